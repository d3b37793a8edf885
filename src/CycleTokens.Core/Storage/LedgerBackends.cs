using CycleTokens.Core.Accounts;
using CycleTokens.Core.Ids;
using CycleTokens.Core.Storage.Postgres;
using CycleTokens.Core.Storage.Sqlite;

namespace CycleTokens.Core.Storage;

/// <summary>Chooses the backend from <see cref="LedgerOptions.DatabasePath"/>: a <c>postgresql://</c> URI, else a SQLite file.</summary>
internal static class LedgerBackends
{
    /// <summary>Opens the ledger's backend and its stores.</summary>
    internal static LedgerStores Open(LedgerOptions options, IIdGenerator ids, MonthCalendar months) =>
        PostgresLocation.IsPostgres(options.DatabasePath) ? PostgresBackend.Open(options, ids, months) : SqliteBackend.Open(options, ids, months);
}
