using System.Data.Common;

namespace CycleTokens.Core.Storage.Sql;

/// <summary>
/// What the SQL stores need from a backend's connection: prepared commands for constant SQL text written with
/// <c>$name</c> parameters in SQLite's flavour of portable SQL (each backend adapts the text once: PostgreSQL turns
/// the parameters into <c>@name</c> and drops <c>INDEXED BY</c> hints), and what the journal needs to trust its cached tail.
/// </summary>
internal interface ISqlSession : ILedgerConnection
{
    /// <summary>True on PostgreSQL, for the few statements whose text differs between the dialects.</summary>
    bool IsPostgres { get; }

    /// <summary>Numbers this connection's write transactions: the current (or last) one's.</summary>
    long WriteNumber { get; }

    /// <summary>Undos of any kind (rollback, rollback to a savepoint) through this connection.</summary>
    long Undos { get; }

    /// <summary>The number of the last write transaction that committed.</summary>
    long CommittedWrite { get; }

    /// <summary>
    /// A prepared command for constant SQL text, reused across calls (parameters keep their last values), to run now:
    /// whatever was deferred goes to the server first.
    /// </summary>
    DbCommand Command(string sql);

    /// <summary>Inside a write transaction: true when nobody but this connection has written since its last commit.</summary>
    bool UnchangedSinceLastCommit();

    /// <summary>
    /// Inside a write transaction: runs a bound command whose outcome nothing waits for (an insert, an upsert that
    /// returns nothing), now or — on PostgreSQL — together with the others deferred, in one round trip just before the
    /// next statement that must answer or the COMMIT. Its failure, never a business outcome, fails the write then.
    /// </summary>
    /// <param name="command">A command from <see cref="Later"/>, bound; its parameters may be bound again at once.</param>
    void Defer(DbCommand command);

    /// <summary>A prepared command for constant SQL text, to bind and give to <see cref="Defer"/>.</summary>
    /// <remarks><see cref="Command"/> first sends what is deferred (the caller will wait for its answer); this does not.</remarks>
    DbCommand Later(string sql);
}
