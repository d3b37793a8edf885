using CycleTokens.Core.Storage.Postgres;
using CycleTokens.Core.Tests.Support;
using Npgsql;

namespace CycleTokens.Core.Tests.Storage.Postgres;

/// <summary>
/// Issue 13: the PostgreSQL migrator brings an empty database to the latest schema exactly once, however many hosts
/// start at once, and refuses, changing nothing, a database that is another application's or newer than this build.
/// </summary>
[Trait("Backend", "Sqlite")]
public sealed class PostgresMigratorTests : IAsyncLifetime, IDisposable
{
    private static readonly string[] LedgerTables =
    [
        "accounts", "api_keys", "budget_holds", "credential_spend", "discount_cache", "escrows", "idempotency", "low_balance",
        "pending_work", "postings", "purchases", "refunds", "reservations", "schema_version", "transactions", "usage_months",
    ];

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));
    private TestPostgresDatabase? _db;

    private TestPostgresDatabase Db => _db!;

    private CancellationToken Token => _timeout.Token;

    public async Task InitializeAsync() => _db = await TestPostgresDatabase.CreateAsync(Token);

    [PostgresFact]
    public async Task Migrate_EmptyDatabase_CreatesEveryTable_AtTheLatestVersion()
    {
        var version = await MigrateAsync();

        Assert.Equal(PostgresScripts.LatestVersion, version);
        Assert.Equal(LedgerTables, await Db.TablesAsync(Token));
        Assert.Equal(Enumerable.Range(1, PostgresScripts.LatestVersion).Select(v => (object?)v), await VersionsAsync());
    }

    [PostgresFact]
    public async Task Migrate_Twice_ChangesNothing()
    {
        await MigrateAsync();
        await Db.ExecuteAsync("INSERT INTO accounts (id, kind, created_ms) VALUES ('u1', 'user', 1)", Token);
        var applied = await Db.RowsAsync("SELECT version, applied_at FROM schema_version ORDER BY version", Token);

        var version = await MigrateAsync();

        Assert.Equal(PostgresScripts.LatestVersion, version);
        Assert.Equal(applied, await Db.RowsAsync("SELECT version, applied_at FROM schema_version ORDER BY version", Token));
        Assert.Equal(1L, await Db.ScalarAsync("SELECT count(*) FROM accounts WHERE id = 'u1'", Token));
    }

    [PostgresFact]
    public async Task Migrate_FromEightConnectionsAtOnce_AppliesEachScriptOnce_WithoutError()
    {
        var connections = new List<NpgsqlConnection>();
        try
        {
            for (var i = 0; i < 8; i++)
            {
                connections.Add(await Db.OpenAsync(Token));
            }

            // Every connection is open before any starts, so the eight migrations overlap as hosts starting together would.
            var versions = await Task.WhenAll(connections.Select(c => Task.Run(() => PostgresMigrator.MigrateAsync(c, Token))));

            Assert.All(versions, v => Assert.Equal(PostgresScripts.LatestVersion, v));
            Assert.Equal(Enumerable.Range(1, PostgresScripts.LatestVersion).Select(v => (object?)v), await VersionsAsync());
            Assert.Equal(LedgerTables, await Db.TablesAsync(Token));
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [PostgresFact]
    public async Task Migrate_WhileAnotherHostIsMigrating_WaitsForItsLock_ThenAppliesNothingAgain()
    {
        // Another host has taken the migration lock and is applying every script in its open transaction.
        await using var other = await Db.OpenAsync(Token);
        await using var held = await other.BeginTransactionAsync(Token);
        await ExecuteAsync(other, held, "SELECT pg_advisory_xact_lock($1)", PostgresMigrator.LockKey);
        foreach (var script in PostgresScripts.All)
        {
            await ExecuteAsync(other, held, script.Sql);
            await ExecuteAsync(other, held, "INSERT INTO schema_version (version) VALUES ($1)", script.Version);
        }

        var migration = MigrateAsync();
        // Wait until this migrator's session queues for the advisory lock (it must read the version only once it holds
        // it); pg_locks covers the whole server, where other tests' databases may be migrating meanwhile.
        const string Waiting = """
            SELECT count(*) FROM pg_catalog.pg_locks
            WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
            """;
        while ((long)(await Db.ScalarAsync(Waiting, Token))! == 0)
        {
            if (migration.IsCompleted)
            {
                await migration;
                Assert.Fail("the migration finished while another host held the migration lock");
            }
        }

        await held.CommitAsync(Token);

        // Had it read the version before the lock (0, the other host's work not yet committed) it would now run the
        // scripts again and fail on tables that exist.
        Assert.Equal(PostgresScripts.LatestVersion, await migration);
        Assert.Equal(Enumerable.Range(1, PostgresScripts.LatestVersion).Select(v => (object?)v), await VersionsAsync());
    }

    [PostgresFact]
    public async Task Migrate_FromVersion3_DropsTheHoldRows_TheReservationsKeepTheirBalances_AndLookUpTheirBudgetHolds()
    {
        await using (var connection = await Db.OpenAsync(Token))
        {
            await using var transaction = await connection.BeginTransactionAsync(Token);
            foreach (var script in PostgresScripts.All.Where(s => s.Version <= 3))
            {
                await ExecuteAsync(connection, transaction, script.Sql);
                await ExecuteAsync(connection, transaction, "INSERT INTO schema_version (version) VALUES ($1)", script.Version);
            }

            // What version 3 kept of a held reservation: its hold's row in accounts beside the user's.
            await ExecuteAsync(connection, transaction, """
                INSERT INTO accounts (id, kind, balance, created_ms) VALUES ('hold:res_1', 'hold', 150, 0), ('platform', 'platform', 0, 0);
                INSERT INTO reservations (id, account, operation, params_hash, quantity, base_price, unit_price, cached, batch_pct,
                                          priced_by, held, allowance_part, purchased_part, month_key, hold_seq, status, created_ms, expires_ms)
                VALUES ('res_1', 'alice', 'cam.cnc_toolpath', 'h', 2, 75, 75, 0, 0, 'catalogue', 150, 150, 0, 24323, 1, 'held', 0, 900000)
                """);
            await transaction.CommitAsync(Token);
        }

        Assert.Equal(PostgresScripts.LatestVersion, await MigrateAsync());

        Assert.Equal(new object?[][] { ["platform"] }, await Db.RowsAsync("SELECT id FROM accounts ORDER BY id", Token));
        Assert.Equal(new object?[][] { ["res_1", 150L, 1L] }, await Db.RowsAsync("SELECT id, held, budget_hold FROM reservations", Token));
        Assert.Equal(0L, await Db.ScalarAsync("SELECT count(*) FROM pg_catalog.pg_indexes WHERE indexname = 'ix_reservations_account'", Token));
    }

    [PostgresFact]
    public async Task Migrate_DatabaseWithANewerSchema_IsRefused_NamingBothVersions()
    {
        await MigrateAsync();
        var newer = PostgresScripts.LatestVersion + 1;
        await Db.ExecuteAsync("INSERT INTO schema_version (version) VALUES ($1)", Token, newer);

        var ex = await Assert.ThrowsAsync<LedgerOpenException>(() => MigrateAsync());

        Assert.Equal(LedgerOpenFailure.SchemaMismatch, ex.Failure);
        Assert.EndsWith($"/{Db.Name}", ex.Path, StringComparison.Ordinal);
        Assert.Equal(
            $"The PostgreSQL ledger {ex.Path} has schema version {newer}, newer than this build understands ({PostgresScripts.LatestVersion}): use a newer cycletokens.",
            ex.Message);
    }

    [PostgresFact]
    public async Task Migrate_DatabaseOfAnotherApplication_IsRefused_AndLeftUntouched()
    {
        await Db.ExecuteAsync("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)", Token);

        var ex = await Assert.ThrowsAsync<LedgerOpenException>(() => MigrateAsync());

        Assert.Equal(LedgerOpenFailure.NotALedger, ex.Failure);
        Assert.Equal(
            $"The PostgreSQL database {ex.Path} is not a CycleTokens ledger: it has tables (customers) but no CycleTokens schema.",
            ex.Message);
        Assert.Contains(Db.Name, ex.Message, StringComparison.Ordinal);
        Assert.Equal(["customers"], await Db.TablesAsync(Token));
    }

    [PostgresFact]
    public async Task Migrate_DatabaseWithSomeoneElsesSchemaVersionTable_IsRefused_NotMisread()
    {
        // Other migration tools use the name too, with their own columns: the journal's tables must be there as well.
        await Db.ExecuteAsync("CREATE TABLE schema_version (version TEXT NOT NULL, installed_on TIMESTAMPTZ)", Token);
        await Db.ExecuteAsync("INSERT INTO schema_version (version) VALUES ('1.0.0')", Token);
        await Db.ExecuteAsync("CREATE TABLE orders (id INTEGER PRIMARY KEY)", Token);

        var ex = await Assert.ThrowsAsync<LedgerOpenException>(() => MigrateAsync());

        Assert.Equal(LedgerOpenFailure.NotALedger, ex.Failure);
        Assert.Contains("(orders, schema_version)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(["orders", "schema_version"], await Db.TablesAsync(Token));
    }

    public async Task DisposeAsync()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }

    public void Dispose() => _timeout.Dispose();

    private async Task<int> MigrateAsync()
    {
        await using var connection = await Db.OpenAsync(Token);
        return await PostgresMigrator.MigrateAsync(connection, Token);
    }

    private async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, params object[] args)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var arg in args)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = arg });
        }

        await command.ExecuteNonQueryAsync(Token);
    }

    private async Task<List<object?>> VersionsAsync() =>
        (await Db.RowsAsync("SELECT version FROM schema_version ORDER BY version", Token)).Select(r => r[0]).ToList();
}
