using System.Data;
using Npgsql;

namespace CycleTokens.Core.Storage.Postgres;

/// <summary>
/// Brings a PostgreSQL database to this build's schema: applies the embedded scripts above the highest version in
/// <c>schema_version</c>, each in its own transaction. Several hosts starting at once on one database apply each script
/// exactly once: every step holds a transaction-scoped advisory lock and reads the version again under it.
/// </summary>
/// <remarks>
/// Refuses, changing nothing, a database with tables but no CycleTokens schema (<see cref="LedgerOpenFailure.NotALedger"/>)
/// and one whose version is newer than this build (<see cref="LedgerOpenFailure.SchemaMismatch"/>). Works in the
/// connection's current schema (the first of its search_path).
/// </remarks>
internal static class PostgresMigrator
{
    // The advisory lock every CycleTokens migrator takes: "CycleTok" in ASCII. Advisory locks are per database, so
    // ledgers in different databases never wait on each other.
    internal const long LockKey = 0x4379_636C_6554_6F6B;

    // Relations in the current schema that a CycleTokens ledger may not share its schema with: tables, partitioned and
    // foreign tables, views and materialized views (indexes and sequences belong to tables).
    private const string TablesSql = """
        SELECT c.relname
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'f', 'v', 'm')
        ORDER BY c.relname
        """;

    /// <summary>Migrates the database of <paramref name="connection"/> (open, not in a transaction).</summary>
    /// <returns>The schema version the database has now: <see cref="PostgresScripts.LatestVersion"/>.</returns>
    /// <exception cref="LedgerOpenException">Not a ledger, or a schema newer than this build.</exception>
    internal static async Task<int> MigrateAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var location = PostgresDiagnosis.Location(connection);
        while (true)
        {
            // Read committed on purpose: each statement sees what committed before it started, so the version read
            // after the lock is granted includes the migration of whoever held it. Under repeatable read the snapshot
            // would be taken by the lock statement itself, before the wait, and the script would run twice.
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock($1)", LockKey, cancellationToken).ConfigureAwait(false);

            var version = await CurrentVersionAsync(connection, transaction, location, cancellationToken).ConfigureAwait(false);
            var next = PostgresScripts.All.FirstOrDefault(s => s.Version > version);
            if (next is null)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return version;
            }

            await ExecuteAsync(connection, transaction, next.Sql, null, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, "INSERT INTO schema_version (version) VALUES ($1)", next.Version, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>For a read-only open: checks, changing nothing, that the database has exactly this build's schema.</summary>
    /// <exception cref="LedgerOpenException">Not a ledger, empty, or another schema version.</exception>
    internal static async Task<int> CheckAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var location = PostgresDiagnosis.Location(connection);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        var version = await CurrentVersionAsync(connection, transaction, location, cancellationToken).ConfigureAwait(false);
        if (version != PostgresScripts.LatestVersion)
        {
            throw new LedgerOpenException(
                LedgerOpenFailure.SchemaMismatch,
                location,
                version == 0
                    ? $"The PostgreSQL database {location} holds no ledger yet, and a read-only open creates nothing."
                    : $"The PostgreSQL ledger {location} has schema version {version}, but this build needs {PostgresScripts.LatestVersion}; a read-only open cannot migrate it.");
        }

        return version;
    }

    /// <summary>The version of the database's schema: 0 when it is empty. Throws when it is not ours or too new.</summary>
    private static async Task<int> CurrentVersionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string location, CancellationToken cancellationToken)
    {
        var tables = new List<string>();
        await using (var command = new NpgsqlCommand(TablesSql, connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                tables.Add(reader.GetString(0));
            }
        }

        if (tables.Count == 0)
        {
            return 0;
        }

        // schema_version alone is a common name (other migration tools use it too): the journal's tables must be there.
        if (!tables.Contains("schema_version") || !tables.Contains("accounts") || !tables.Contains("transactions"))
        {
            throw PostgresDiagnosis.NotALedger(location, tables);
        }

        await using var read = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM schema_version", connection, transaction);
        var version = (int)(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        if (version > PostgresScripts.LatestVersion)
        {
            throw PostgresDiagnosis.Newer(location, version);
        }

        return version;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, object? argument, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        if (argument is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = argument });
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
