using CycleTokens.Core.Accounts;
using CycleTokens.Core.Ids;
using CycleTokens.Core.Storage.Sql;

namespace CycleTokens.Core.Storage.Postgres;

/// <summary>Opens a PostgreSQL ledger and the SQL stores over its one connection.</summary>
internal static class PostgresBackend
{
    /// <summary>Connects, migrates (unless read-only) and returns the stores.</summary>
    /// <exception cref="LedgerOpenException">Malformed URI, unreachable server, not a ledger, or a newer schema.</exception>
    internal static LedgerStores Open(LedgerOptions options, IIdGenerator ids, MonthCalendar months)
    {
        var session = PostgresSession.Open(options);
        return SqlStores.Open(
            session,
            options,
            ids,
            months,
            session.Location,
            // PostgreSQL is copied with its own tools (pg_dump), not by the engine.
            backup: null,
            // PostgreSQL checks its own pages (data checksums, amcheck): verify's findings come from the journal scan.
            static () => [],
            new PostgresTableStore(session, new SqlTableStore(session)));
    }
}
