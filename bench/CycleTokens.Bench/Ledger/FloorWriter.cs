using System.Security.Cryptography;
using CycleTokens.Core;
using CycleTokens.Core.Ids;
using Microsoft.Data.Sqlite;

namespace CycleTokens.Bench.Ledger;

/// <summary>
/// The storage floor of a charge: the rows a charge writes, written with nothing else. One <c>BEGIN IMMEDIATE</c>
/// transaction per call, on a file created by the engine (same schema and indexes), opened with the engine's pragmas,
/// with prepared commands whose parameters are created once. No reads, no pricing, no chain hash, no JSON: what SQLite
/// itself (through the same driver) needs to commit those rows.
/// </summary>
/// <remarks>
/// A charge without a creator writes: the user's bucket and balance (one UPDATE), the platform's balance (an upsert), the
/// journal row (16 columns, a random <c>tx_</c> id and a 32-byte hash, so every index gets the same kind of insert), its
/// two postings (one INSERT of two rows), the discount-cache upsert and the month's usage upsert.
/// </remarks>
internal sealed class FloorWriter : IDisposable
{
    public const string Account = "floor-user";

    // A charge's details as the engine writes them (same length and shape).
    private const string Details =
        """{"base_price":10,"unit_price":1,"cached":true,"quantity":1,"batch_discount_pct":0,"priced_by":"catalogue","params_hash":"6f5902ac237024bdd0c176cb93063dc4e4c4d5b4ec1eb3b5b0d6b7fbe6bcd1fa","creator_account":null,"creator_share":0,"platform_share":1}""";

    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _begin;
    private readonly SqliteCommand _commit;
    private readonly SqliteCommand _user;
    private readonly SqliteCommand _platform;
    private readonly SqliteCommand _transaction;
    private readonly SqliteCommand _postings;
    private readonly SqliteCommand _cache;
    private readonly SqliteCommand _usage;
    private long _seq;
    private long _now;

    private FloorWriter(SqliteConnection connection)
    {
        _connection = connection;
        _begin = Prepare("BEGIN IMMEDIATE");
        _commit = Prepare("COMMIT");
        _user = Prepare("UPDATE accounts SET purchased = purchased + $amount, balance = balance + $amount WHERE id = $id", "$amount", "$id");
        _platform = Prepare(
            """
            INSERT INTO accounts (id, kind, balance, created_ms) VALUES ($id, $kind, $amount, $now)
            ON CONFLICT (id) DO UPDATE SET balance = balance + excluded.balance
            """,
            "$id", "$kind", "$amount", "$now");
        _transaction = Prepare(
            """
            INSERT INTO transactions (seq, id, created_ms, kind, type, account, operation, amount, counterparty,
                                      balance_after, month_key, metadata, idempotency_key, ref, details, hash)
            VALUES ($seq, $id, $created, $kind, $type, $account, $operation, $amount, $counterparty,
                    $balance_after, $month_key, $metadata, $key, $ref, $details, $hash)
            """,
            "$seq", "$id", "$created", "$kind", "$type", "$account", "$operation", "$amount", "$counterparty",
            "$balance_after", "$month_key", "$metadata", "$key", "$ref", "$details", "$hash");
        _postings = Prepare(
            "INSERT INTO postings (tx_seq, idx, account, bucket, amount) VALUES ($seq, 0, $account0, 'purchased', $amount0), ($seq, 1, 'platform', 'main', $amount1)",
            "$seq", "$account0", "$amount0", "$amount1");
        _cache = Prepare(
            """
            INSERT INTO discount_cache (account, operation, params_hash, last_ms) VALUES ($account, $operation, $hash, $now)
            ON CONFLICT (account, operation, params_hash) DO UPDATE SET last_ms = excluded.last_ms
            """,
            "$account", "$operation", "$hash", "$now");
        _usage = Prepare(
            """
            INSERT INTO usage_months (account, month_key, operation, count, tokens) VALUES ($account, $month, $operation, 1, $tokens)
            ON CONFLICT (account, month_key, operation) DO UPDATE SET count = count + excluded.count, tokens = tokens + excluded.tokens
            """,
            "$account", "$month", "$operation", "$tokens");

        // Constant values, bound once.
        Set(_platform, "$id", "platform");
        Set(_platform, "$kind", "platform");
        Set(_user, "$id", Account);
        Set(_transaction, "$kind", "charge");
        Set(_transaction, "$type", "debit");
        Set(_transaction, "$account", Account);
        Set(_transaction, "$operation", "model.export.step");
        Set(_transaction, "$counterparty", "platform");
        Set(_transaction, "$month_key", 24314L);
        Set(_transaction, "$metadata", DBNull.Value);
        Set(_transaction, "$key", DBNull.Value);
        Set(_transaction, "$ref", DBNull.Value);
        Set(_transaction, "$details", Details);
        Set(_cache, "$account", Account);
        Set(_cache, "$operation", "model.export.step");
        Set(_cache, "$hash", "6f5902ac237024bdd0c176cb93063dc4e4c4d5b4ec1eb3b5b0d6b7fbe6bcd1fa");
        Set(_postings, "$account0", Account);
        Set(_usage, "$account", Account);
        Set(_usage, "$month", 24314L);
        Set(_usage, "$operation", "model.export.step");
    }

    /// <summary>Creates the file with the engine (schema, pragmas), then opens it directly with the same pragmas.</summary>
    public static FloorWriter Create(string path, SynchronousMode synchronous)
    {
        using (var ledger = TokenLedger.Open(new LedgerOptions { DatabasePath = path, Synchronous = synchronous }))
        {
            ledger.GrantAsync(Account, 1_000_000_000_000).GetAwaiter().GetResult();
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        connection.Open();
        foreach (var pragma in new[] { "PRAGMA busy_timeout = 30000", "PRAGMA journal_mode = WAL", synchronous == SynchronousMode.Full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", "PRAGMA temp_store = MEMORY" })
        {
            using var command = connection.CreateCommand();
            command.CommandText = pragma;
            command.ExecuteNonQuery();
        }

        var writer = new FloorWriter(connection);
        using (var last = connection.CreateCommand())
        {
            last.CommandText = "SELECT COALESCE(MAX(seq), 0), COALESCE(MAX(created_ms), 0) FROM transactions";
            using var reader = last.ExecuteReader();
            reader.Read();
            writer._seq = reader.GetInt64(0);
            writer._now = reader.GetInt64(1);
        }

        return writer;
    }

    /// <summary>Writes one charge's rows in one transaction and commits.</summary>
    public void Write()
    {
        var seq = ++_seq;
        var now = ++_now;
        const long amount = 1;
        _begin.ExecuteNonQuery();
        Set(_user, "$amount", -amount);
        _user.ExecuteNonQuery();
        Set(_platform, "$amount", amount);
        Set(_platform, "$now", now);
        _platform.ExecuteNonQuery();
        Set(_transaction, "$seq", seq);
        Set(_transaction, "$id", TimeOrderedIdGenerator.Instance.NewId("tx"));
        Set(_transaction, "$created", now);
        Set(_transaction, "$amount", amount);
        Set(_transaction, "$balance_after", 1_000_000_000_000 - seq);
        Set(_transaction, "$hash", RandomNumberGenerator.GetBytes(32));
        _transaction.ExecuteNonQuery();
        Set(_postings, "$seq", seq);
        Set(_postings, "$amount0", -amount);
        Set(_postings, "$amount1", amount);
        _postings.ExecuteNonQuery();
        Set(_cache, "$now", now);
        _cache.ExecuteNonQuery();
        Set(_usage, "$tokens", amount);
        _usage.ExecuteNonQuery();
        _commit.ExecuteNonQuery();
    }

    public void Dispose()
    {
        foreach (var command in new[] { _begin, _commit, _user, _platform, _transaction, _postings, _cache, _usage })
        {
            command.Dispose();
        }

        _connection.Dispose();
    }

    private static void Set(SqliteCommand command, string name, object value) => command.Parameters[name].Value = value;

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter(name, DBNull.Value));
        }

        return command;
    }
}
