namespace CycleTokens.Core;

/// <summary>
/// The ledger file could not be opened. The message is one sentence naming the path and the cause (a folder, not
/// writable and which, not a SQLite database, not a CycleTokens ledger, a schema this build cannot use), never a bare
/// SQLite error code. It is meant for the operator (CLI, server start), not for a model. A PostgreSQL ledger fails the
/// same way when its database is another application's or has a newer schema; <see cref="Path"/> then names the
/// database as host:port/database (never the password).
/// </summary>
/// <remarks>An <see cref="IOException"/>, so hosts that already report I/O failures at start report it too.</remarks>
public sealed class LedgerOpenException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="failure">What kind of failure.</param>
    /// <param name="path">The full path of the ledger file, or host:port/database for PostgreSQL.</param>
    /// <param name="message">The sentence to show.</param>
    /// <param name="inner">The SQLite or I/O error behind it, if any.</param>
    public LedgerOpenException(LedgerOpenFailure failure, string path, string message, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
        Path = path;
    }

    /// <summary>What kind of failure this is.</summary>
    public LedgerOpenFailure Failure { get; }

    /// <summary>The full path of the ledger file, or host:port/database for PostgreSQL.</summary>
    public string Path { get; }
}
