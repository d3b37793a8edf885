namespace CycleTokens.Core;

/// <summary>
/// The ledger's database could not be reached or stayed locked by other writers for the whole wait (a PostgreSQL server
/// restarting, a network failure, a lock held too long). Nothing was written, or, when the connection was lost during
/// a commit, the call may have been applied: a retry with the same idempotency key applies it at most once. The message
/// is safe to show a model and says to retry.
/// </summary>
public sealed class LedgerUnavailableException : Exception
{
    /// <summary>Creates the exception with the standard retry message.</summary>
    /// <param name="inner">The backend's error, for logs only.</param>
    public LedgerUnavailableException(Exception? inner = null)
        : base("The ledger's database is unavailable right now; retry the call (with the same idempotency_key, if it had one, so it applies at most once).", inner)
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What to tell the caller.</param>
    /// <param name="inner">The backend's error, for logs only.</param>
    public LedgerUnavailableException(string message, Exception? inner)
        : base(message, inner)
    {
    }
}
