using CycleTokens.Core.Accounts;
using CycleTokens.Core.Ids;
using CycleTokens.Core.Storage.Sql;

namespace CycleTokens.Core.Storage.Sqlite;

/// <summary>Opens a ledger file and the SQLite stores over its one connection.</summary>
internal static class SqliteBackend
{
    /// <summary>Opens (creates, migrates) the file and returns its stores.</summary>
    /// <exception cref="LedgerOpenException">The file cannot be opened: the message names the path and the cause.</exception>
    internal static LedgerStores Open(LedgerOptions options, IIdGenerator ids, MonthCalendar months)
    {
        var db = LedgerDatabase.Open(options);
        return SqlStores.Open(db, options, ids, months, db.Path, backup: db, db.IntegrityProblems, new SqlTableStore(db));
    }
}
