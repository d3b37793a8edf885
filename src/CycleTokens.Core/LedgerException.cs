namespace CycleTokens.Core;

/// <summary>
/// An expected business outcome or invalid argument. The message is one plain sentence that is safe to show
/// a model or an operator: it never contains SQL, paths or internal details.
/// </summary>
/// <remarks>When this is thrown nothing was written, except that a keyed call stores the failure as its outcome.</remarks>
public sealed class LedgerException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">What kind of failure this is.</param>
    /// <param name="message">The safe, one-sentence message.</param>
    /// <param name="field">The argument at fault, if one is.</param>
    /// <param name="replayed">True when this is a stored failure returned for a retried idempotency key.</param>
    public LedgerException(LedgerErrorCode code, string message, string? field = null, bool replayed = false)
        : base(message)
    {
        Code = code;
        Field = field;
        Replayed = replayed;
    }

    /// <summary>What kind of failure this is.</summary>
    public LedgerErrorCode Code { get; }

    /// <summary>The snake_case name of the argument at fault, or null.</summary>
    public string? Field { get; }

    /// <summary>True when the failure was stored by an earlier call with the same idempotency key.</summary>
    public bool Replayed { get; }

    /// <summary>For <see cref="LedgerErrorCode.ConfirmationRequired"/>: the debit to put to the human; else null.</summary>
    public Budgets.PendingDebit? Debit { get; init; }

    internal LedgerException AsReplayed() => new(Code, Message, Field, replayed: true);

    internal static LedgerException Invalid(string field, string rule, string got) =>
        new(LedgerErrorCode.InvalidArgument, $"{field} {rule} (got {got})", field);

    internal static LedgerException Insufficient(long have, long need) =>
        new(LedgerErrorCode.InsufficientTokens, $"Insufficient tokens: have {have}, need {need}");

    internal static LedgerException NotFound(string what, string field, string id) =>
        new(LedgerErrorCode.NotFound, $"{what} {id} not found", field);

    // The id has passed the account-id rule (no quotes, no control characters), so it can be quoted as is.
    internal static LedgerException NoSuchUser(string account) =>
        new(LedgerErrorCode.NotFound, $"account '{account}' does not exist", "account");
}
