using CycleTokens.Core.Storage.Postgres;
using CycleTokens.Core.Tests.Support;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CycleTokens.Core.Tests.Storage.Postgres;

/// <summary>
/// Issue 13: the PostgreSQL schema is the SQLite schema at its current version (same tables, columns, keys, indexes),
/// and its keys reject what the engine relies on them to reject.
/// </summary>
[Trait("Backend", "Sqlite")]
public sealed class PostgresSchemaTests : IAsyncLifetime, IDisposable
{
    private const string TableColumns = """
        SELECT column_name, data_type, is_nullable = 'NO'
        FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = $1
        ORDER BY ordinal_position
        """;

    // Each index of a table with its columns in key order; constraint says whether a UNIQUE constraint made it.
    private const string TableIndexes = """
        SELECT i.relname, x.indisprimary, x.indisunique,
               EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = t.oid AND c.contype = 'u'),
               (SELECT string_agg(a.attname, ', ' ORDER BY k.ord)
                FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k (attnum, ord)
                JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum)
        FROM pg_catalog.pg_index x
        JOIN pg_catalog.pg_class t ON t.oid = x.indrelid
        JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = 'public' AND t.relname = $1
        """;

    private const string TableForeignKeys = """
        SELECT a.attname, r.relname, ra.attname
        FROM pg_catalog.pg_constraint c
        JOIN pg_catalog.pg_class t ON t.oid = c.conrelid
        JOIN pg_catalog.pg_class r ON r.oid = c.confrelid
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        JOIN pg_catalog.pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]
        WHERE c.contype = 'f' AND t.relname = $1 AND cardinality(c.conkey) = 1
        """;

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));
    private TestPostgresDatabase? _db;

    private TestPostgresDatabase Db => _db!;

    private CancellationToken Token => _timeout.Token;

    public async Task InitializeAsync()
    {
        _db = await TestPostgresDatabase.CreateAsync(Token);
        await using var connection = await _db.OpenAsync(Token);
        await PostgresMigrator.MigrateAsync(connection, Token);
    }

    [PostgresFact]
    public async Task Schema_IsTheSqliteSchemaAtItsCurrentVersion_TableForTable()
    {
        using var sqlite = new TestLedger();

        var expected = SqliteShape(sqlite.DatabasePath);
        var actual = await PostgresShapeAsync();

        // Line by line, so a difference names the table and the column or index.
        Assert.Equal(expected, actual);
    }

    [PostgresFact]
    public async Task Refunds_SecondRefundOfTheSameCharge_IsRejected()
    {
        await Db.ExecuteAsync("INSERT INTO refunds (charge_id, refund_id) VALUES ('tx_1', 'tx_2')", Token);

        var ex = await Assert.ThrowsAsync<PostgresException>(
            () => Db.ExecuteAsync("INSERT INTO refunds (charge_id, refund_id) VALUES ('tx_1', 'tx_3')", Token));

        Assert.Equal(PostgresErrorCodes.UniqueViolation, ex.SqlState);
        Assert.Equal("tx_2", await Db.ScalarAsync("SELECT string_agg(refund_id, ',') FROM refunds WHERE charge_id = 'tx_1'", Token));
    }

    [PostgresFact]
    public async Task Postings_OfATransactionThatDoesNotExist_AreRejected()
    {
        var seq = await InsertTransactionAsync("tx_1");
        await Db.ExecuteAsync("INSERT INTO postings (tx_seq, idx, account, bucket, amount) VALUES ($1, 0, 'u1', 'purchased', 10)", Token, seq);

        var ex = await Assert.ThrowsAsync<PostgresException>(
            () => Db.ExecuteAsync("INSERT INTO postings (tx_seq, idx, account, bucket, amount) VALUES ($1, 0, 'u1', 'purchased', 10)", Token, seq + 1));

        Assert.Equal(PostgresErrorCodes.ForeignKeyViolation, ex.SqlState);
        Assert.Equal(1L, await Db.ScalarAsync("SELECT count(*) FROM postings", Token));
    }

    [PostgresFact]
    public async Task Postings_SameIndexTwiceInOneTransaction_IsRejected()
    {
        var seq = await InsertTransactionAsync("tx_1");
        await Db.ExecuteAsync("INSERT INTO postings (tx_seq, idx, account, bucket, amount) VALUES ($1, 0, 'u1', 'purchased', 10)", Token, seq);

        var ex = await Assert.ThrowsAsync<PostgresException>(
            () => Db.ExecuteAsync("INSERT INTO postings (tx_seq, idx, account, bucket, amount) VALUES ($1, 0, 'system', 'main', -10)", Token, seq));

        Assert.Equal(PostgresErrorCodes.UniqueViolation, ex.SqlState);
    }

    [PostgresFact]
    public async Task Transactions_WithAnIdAlreadyInTheJournal_AreRejected()
    {
        await InsertTransactionAsync("tx_1");

        var ex = await Assert.ThrowsAsync<PostgresException>(() => InsertTransactionAsync("tx_1"));

        Assert.Equal(PostgresErrorCodes.UniqueViolation, ex.SqlState);
        Assert.Equal(1L, await Db.ScalarAsync("SELECT count(*) FROM transactions", Token));
    }

    [PostgresFact]
    public async Task Transactions_WithoutASeq_GetIncreasingOnes_AndKeepTheirHashBytes()
    {
        byte[] hash = [0x00, 0xff, 0x10, 0x80];

        var first = await InsertTransactionAsync("tx_1", hash);
        var second = await InsertTransactionAsync("tx_2");

        Assert.True(second > first, $"seq {second} after {first}");
        Assert.Equal(hash, await Db.ScalarAsync("SELECT hash FROM transactions WHERE seq = $1", Token, first));
    }

    [PostgresFact]
    public async Task ApiKeys_TwoWithTheSameSecretHash_AreRejected()
    {
        const string Insert = "INSERT INTO api_keys (id, secret_hash, account, role, created_ms) VALUES ($1, $2, 'u1', 'agent', 0)";
        byte[] secretHash = [1, 2, 3, 4];
        await Db.ExecuteAsync(Insert, Token, "key_a", secretHash);

        var ex = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(Insert, Token, "key_b", secretHash));

        Assert.Equal(PostgresErrorCodes.UniqueViolation, ex.SqlState);
    }

    [PostgresFact]
    public async Task Idempotency_SameKeyTwiceForOneAccount_IsRejected_ButAnotherAccountMayUseIt()
    {
        const string Insert = "INSERT INTO idempotency (account, key, fingerprint, outcome, created_ms) VALUES ($1, 'k1', 'f', '{}', 0)";
        await Db.ExecuteAsync(Insert, Token, "u1");
        await Db.ExecuteAsync(Insert, Token, "u2");

        var ex = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(Insert, Token, "u1"));

        Assert.Equal(PostgresErrorCodes.UniqueViolation, ex.SqlState);
    }

    public async Task DisposeAsync()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }

    public void Dispose() => _timeout.Dispose();

    private async Task<long> InsertTransactionAsync(string id, byte[]? hash = null) =>
        (long)(await Db.ScalarAsync(
            """
            INSERT INTO transactions (id, created_ms, kind, type, account, amount, balance_after, month_key, hash)
            VALUES ($1, 0, 'grant', 'credit', 'u1', 10, 10, 24314, $2)
            RETURNING seq
            """,
            Token,
            id,
            hash ?? new byte[32]))!;

    /// <summary>The SQLite ledger's tables as lines, PostgreSQL's names for the types (all SQLite integers are 64-bit).</summary>
    private static List<string> SqliteShape(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        var lines = new List<string>();
        foreach (var table in SqliteColumn(connection, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name", null))
        {
            using (var command = Sqlite(connection, "SELECT name, type, \"notnull\", pk FROM pragma_table_info($t) ORDER BY cid", table))
            using (var reader = command.ExecuteReader())
            {
                var position = 0;
                var key = new SortedList<long, string>();
                while (reader.Read())
                {
                    var type = reader.GetString(1) switch { "INTEGER" => "bigint", "TEXT" => "text", "BLOB" => "bytea", var other => other };
                    lines.Add($"{table} column {++position} {reader.GetString(0)} {type}{(reader.GetInt64(2) == 1 ? " not null" : string.Empty)}");
                    if (reader.GetInt64(3) > 0)
                    {
                        key.Add(reader.GetInt64(3), reader.GetString(0));
                    }
                }

                lines.Add($"{table} primary key ({string.Join(", ", key.Values)})");
            }

            using (var command = Sqlite(connection, "SELECT name, \"unique\", origin FROM pragma_index_list($t)", table))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    var columns = string.Join(", ", SqliteColumn(connection, "SELECT name FROM pragma_index_info($t) ORDER BY seqno", reader.GetString(0)));
                    switch (reader.GetString(2))
                    {
                        case "u":
                            lines.Add($"{table} unique ({columns})");
                            break;
                        case "c":
                            lines.Add($"{table} {(reader.GetInt64(1) == 1 ? "unique index" : "index")} {reader.GetString(0)} ({columns})");
                            break;
                    }
                }
            }

            using (var command = Sqlite(connection, "SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list($t)", table))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    lines.Add($"{table} foreign key ({reader.GetString(0)}) references {reader.GetString(1)} ({reader.GetString(2)})");
                }
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    /// <summary>The migrated database's tables as the same lines, without the migrator's own schema_version.</summary>
    private async Task<List<string>> PostgresShapeAsync()
    {
        var lines = new List<string>();
        foreach (var table in (await Db.TablesAsync(Token)).Where(t => t != "schema_version"))
        {
            var position = 0;
            foreach (var column in await Db.RowsAsync(TableColumns, Token, table))
            {
                lines.Add($"{table} column {++position} {column[0]} {column[1]}{((bool)column[2]! ? " not null" : string.Empty)}");
            }

            foreach (var index in await Db.RowsAsync(TableIndexes, Token, table))
            {
                lines.Add(((bool)index[1]!, (bool)index[2]!, (bool)index[3]!) switch
                {
                    (true, _, _) => $"{table} primary key ({index[4]})",
                    (false, _, true) => $"{table} unique ({index[4]})",
                    (false, true, false) => $"{table} unique index {index[0]} ({index[4]})",
                    _ => $"{table} index {index[0]} ({index[4]})",
                });
            }

            foreach (var key in await Db.RowsAsync(TableForeignKeys, Token, table))
            {
                lines.Add($"{table} foreign key ({key[0]}) references {key[1]} ({key[2]})");
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static List<string> SqliteColumn(SqliteConnection connection, string sql, string? table)
    {
        using var command = Sqlite(connection, sql, table);
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static SqliteCommand Sqlite(SqliteConnection connection, string sql, string? table)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        if (table is not null)
        {
            command.Parameters.AddWithValue("$t", table);
        }

        return command;
    }
}
