namespace CycleTokens.Core;

/// <summary>
/// The ledger's database could not be reached or stayed locked by other writers for the whole wait (a PostgreSQL server
/// restarting, a network failure, a lock held too long). The message is safe to show a model and says what to retry.
/// </summary>
/// <remarks>
/// Usually nothing was written (<see cref="NothingWrittenMessage"/>). When the connection was lost while a write was
/// being committed, the server may have committed it without the engine hearing so (<see cref="OutcomeUnknown"/>,
/// <see cref="OutcomeUnknownMessage"/>): a retry with the same idempotency key then replays the stored outcome or
/// applies the call, exactly once either way.
/// </remarks>
public sealed class LedgerUnavailableException : Exception
{
    /// <summary>The message when the call certainly had no effect.</summary>
    public const string NothingWrittenMessage =
        "The ledger's database is unavailable right now; nothing was written. Retry the call (with the same idempotency_key, if it had one).";

    /// <summary>The message when the connection was lost during the commit: the call may have been applied.</summary>
    public const string OutcomeUnknownMessage =
        "The connection to the ledger's database was lost while this call was being committed, so it may or may not have been applied. " +
        "Retry it with the same idempotency_key: it applies at most once, and a replay returns the original result. " +
        "A call without an idempotency_key may have been applied: check the balance or history before repeating it.";

    /// <summary>Creates the exception for a call that had no effect.</summary>
    /// <param name="inner">The backend's error, for logs only.</param>
    public LedgerUnavailableException(Exception? inner = null)
        : base(NothingWrittenMessage, inner)
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What to tell the caller.</param>
    /// <param name="inner">The backend's error, for logs only.</param>
    public LedgerUnavailableException(string message, Exception? inner)
        : base(message, inner)
    {
    }

    /// <summary>True when the call may have been applied (the connection was lost during its commit).</summary>
    public bool OutcomeUnknown { get; private init; }

    /// <summary>The connection was lost during the commit of a write: applied or not, nobody here can tell.</summary>
    /// <param name="inner">The backend's error, for logs only.</param>
    internal static LedgerUnavailableException Uncertain(Exception inner) => new(OutcomeUnknownMessage, inner) { OutcomeUnknown = true };
}
