using Npgsql;

namespace CycleTokens.Core.Storage.Postgres;

/// <summary>
/// Says why a PostgreSQL database cannot be used as a ledger, in one sentence naming the database, as
/// <see cref="Sqlite.OpenDiagnosis"/> does for a SQLite file.
/// </summary>
internal static class PostgresDiagnosis
{
    private const int TablesNamed = 5;

    /// <summary>Where the ledger is, for messages: host (or socket folder), port and database, never the password.</summary>
    internal static string Location(NpgsqlConnection connection) =>
        $"{connection.Host}:{connection.Port}/{connection.Database}";

    /// <summary>The database holds tables, but not the CycleTokens schema.</summary>
    internal static LedgerOpenException NotALedger(string location, IReadOnlyList<string> tables)
    {
        var named = string.Join(", ", tables.Take(TablesNamed));
        var more = tables.Count > TablesNamed ? $" and {tables.Count - TablesNamed} more" : string.Empty;
        return new LedgerOpenException(
            LedgerOpenFailure.NotALedger,
            location,
            $"The PostgreSQL database {location} is not a CycleTokens ledger: it has tables ({named}{more}) but no CycleTokens schema.");
    }

    /// <summary>The database's schema is newer than this build's scripts.</summary>
    internal static LedgerOpenException Newer(string location, int version) =>
        new(
            LedgerOpenFailure.SchemaMismatch,
            location,
            $"The PostgreSQL ledger {location} has schema version {version}, newer than this build understands ({PostgresScripts.LatestVersion}): use a newer cycletokens.");
}
