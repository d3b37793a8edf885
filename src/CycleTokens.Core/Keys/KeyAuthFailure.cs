namespace CycleTokens.Core.Keys;

/// <summary>Why a presented secret did not authenticate.</summary>
/// <remarks>
/// For logs and tests. A client should be told no more than "invalid or expired credential": telling an unknown key
/// from a revoked one would tell a thief which stolen secrets were once real.
/// </remarks>
public enum KeyAuthFailure
{
    /// <summary>Not of the form <c>ctk_</c> + 43 base64url characters (the database was not read).</summary>
    Malformed,

    /// <summary>Well formed, but no key has this secret.</summary>
    Unknown,

    /// <summary>The key's expiry has passed.</summary>
    Expired,

    /// <summary>The key has been revoked.</summary>
    Revoked,
}
