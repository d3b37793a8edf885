namespace CycleTokens.Core.Accounts;

/// <summary>What a read does when the user it names does not exist yet.</summary>
/// <remarks>
/// Either way an existing user's due work (a month reset, an escrow past its expiry) is performed before the read, as
/// for any touch.
/// </remarks>
public enum MissingUser
{
    /// <summary>
    /// Create the user (tier FREE with its allowance) and read it: an agent's own account exists from its first call.
    /// </summary>
    Create,

    /// <summary>
    /// Write nothing and fail with <see cref="LedgerErrorCode.NotFound"/> (field <c>account</c>): an operator looking
    /// at an account must not open it by looking.
    /// </summary>
    Refuse,
}
