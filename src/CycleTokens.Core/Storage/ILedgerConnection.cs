namespace CycleTokens.Core.Storage;

/// <summary>
/// The engine's one connection to its backend: transaction control only (the statements live in the stores).
/// Not thread-safe: <see cref="TokenLedger"/> serialises its callers.
/// </summary>
/// <remarks>
/// A write transaction excludes every other writer of the same ledger, in this process or any other, from its first
/// statement to its end (SQLite: <c>BEGIN IMMEDIATE</c>; PostgreSQL: one advisory lock). The engine's rules (one month
/// reset per user and month, no overdraft, keys applied once, the chain in commit order) rely on that.
/// </remarks>
internal interface ILedgerConnection : IDisposable
{
    /// <summary>Write transactions committed through this connection.</summary>
    long Commits { get; }

    /// <summary>Microseconds each write waited for the ledger's write lock.</summary>
    LatencyHistogram LockWaits { get; }

    /// <summary>Microseconds each write held the write lock, its commit or rollback included.</summary>
    LatencyHistogram LockHolds { get; }

    /// <summary>Starts a write transaction holding the ledger's write lock.</summary>
    void BeginWrite();

    /// <summary>Starts a read transaction: one consistent snapshot.</summary>
    void BeginRead();

    /// <summary>Commits the open transaction (a read's simply ends).</summary>
    void Commit();

    /// <summary>Undoes the open transaction, if any is still open.</summary>
    void Rollback();

    /// <summary>Marks the point a failing call is rolled back to (its due work before it is kept).</summary>
    void SetSavepoint();

    /// <summary>Undoes everything since <see cref="SetSavepoint"/>.</summary>
    void RollbackToSavepoint();

    /// <summary>Opens the savepoint of one write among several in a transaction (group commit).</summary>
    void BeginItem();

    /// <summary>Undoes everything the current write of a batch did.</summary>
    void RollbackItem();

    /// <summary>Ends the current write of a batch, keeping what is not rolled back.</summary>
    void ReleaseItem();

    /// <summary>
    /// The exception to give the caller when <paramref name="ex"/> says the backend is unreachable or its write lock was
    /// not granted in time (retry later), or null when it is anything else.
    /// </summary>
    Exception? Unavailable(Exception ex);

    /// <summary>After a read: fails when the read may have seen an inconsistent state (SQLite read without locks).</summary>
    void CheckUnlockedRead();
}
