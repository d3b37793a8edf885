using System.Data.Common;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CycleTokens.Bench.Backends;

/// <summary>
/// The floor of a charge on either backend: the rows a charge without a creator writes, in one transaction per call,
/// and nothing else. Statement by statement (each its own round trip, prepared), as plain ADO.NET code writes them:
/// the user's bucket and balance (UPDATE), the platform's balance (upsert), the journal row (16 columns, a random id and
/// a 32-byte hash; seq given by the database), its two postings, the discount-cache upsert and the month's usage upsert.
/// No reads, no lock beyond the rows', no pricing, no chain, no JSON.
/// </summary>
internal sealed partial class RowFloor : IDisposable
{
    private const string Details =
        """{"base_price":10,"unit_price":1,"cached":true,"quantity":1,"batch_discount_pct":0,"priced_by":"catalogue","params_hash":"6f5902ac237024bdd0c176cb93063dc4e4c4d5b4ec1eb3b5b0d6b7fbe6bcd1fa","creator_account":null,"creator_share":0,"platform_share":1}""";

    private readonly DbConnection _connection;
    private readonly bool _postgres;
    private readonly DbCommand _begin;
    private readonly DbCommand _commit;
    private readonly DbCommand _user;
    private readonly DbCommand _platform;
    private readonly DbCommand _transaction;
    private readonly DbCommand _postings;
    private readonly DbCommand _cache;
    private readonly DbCommand _usage;
    private long _now = 1_780_000_000_000;

    private RowFloor(DbConnection connection, bool postgres)
    {
        _connection = connection;
        _postgres = postgres;
        _begin = Prepare(postgres ? "BEGIN" : "BEGIN IMMEDIATE");
        _commit = Prepare("COMMIT");
        _user = Prepare("UPDATE accounts SET purchased = purchased - 1, balance = balance - 1 WHERE id = $id");
        _platform = Prepare("""
            INSERT INTO accounts (id, kind, balance, created_ms) VALUES ('platform', 'platform', 1, $now)
            ON CONFLICT (id) DO UPDATE SET balance = accounts.balance + excluded.balance
            """);
        _transaction = Prepare("""
            INSERT INTO transactions (id, created_ms, kind, type, account, operation, amount, counterparty,
                                      balance_after, month_key, metadata, idempotency_key, ref, details, hash)
            VALUES ($id, $now, 'charge', 'debit', $account, 'model.export.step', 1, 'platform',
                    0, 24314, NULL, NULL, NULL, $details, $hash)
            RETURNING seq
            """);
        _postings = Prepare("INSERT INTO postings (tx_seq, idx, account, bucket, amount) VALUES ($seq, 0, $account, 'purchased', -1), ($seq, 1, 'platform', 'main', 1)");
        _cache = Prepare("""
            INSERT INTO discount_cache (account, operation, params_hash, last_ms) VALUES ($account, 'model.export.step', 'h', $now)
            ON CONFLICT (account, operation, params_hash) DO UPDATE SET last_ms = excluded.last_ms
            """);
        _usage = Prepare("""
            INSERT INTO usage_months (account, month_key, operation, count, tokens) VALUES ($account, 24314, 'model.export.step', 1, 1)
            ON CONFLICT (account, month_key, operation) DO UPDATE SET count = usage_months.count + excluded.count, tokens = usage_months.tokens + excluded.tokens
            """);
    }

    /// <summary>Opens a connection to a ledger the engine has created (same schema, indexes and pragmas).</summary>
    public static RowFloor Open(string location)
    {
        if (location.StartsWith("postgresql://", StringComparison.Ordinal))
        {
            var pg = new NpgsqlConnection(BackendsMode.ConnectionString(location));
            pg.Open();
            return new RowFloor(pg, postgres: true);
        }

        var sqlite = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = location, Pooling = false, DefaultTimeout = 30 }.ToString());
        sqlite.Open();
        foreach (var pragma in new[] { "PRAGMA busy_timeout = 30000", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA temp_store = MEMORY" })
        {
            using var command = sqlite.CreateCommand();
            command.CommandText = pragma;
            command.ExecuteNonQuery();
        }

        return new RowFloor(sqlite, postgres: false);
    }

    /// <summary>Commits the rows of one charge of 1 token by <paramref name="account"/>.</summary>
    public void Charge(string account)
    {
        _now++;
        _begin.ExecuteNonQuery();
        try
        {
            Bind(_user, "$id", account).ExecuteNonQuery();
            Bind(_platform, "$now", _now).ExecuteNonQuery();
            Bind(_transaction, "$id", "tx_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)));
            Bind(_transaction, "$now", _now);
            Bind(_transaction, "$account", account);
            Bind(_transaction, "$details", Details);
            var seq = Convert.ToInt64(Bind(_transaction, "$hash", RandomNumberGenerator.GetBytes(32)).ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            Bind(_postings, "$seq", seq);
            Bind(_postings, "$account", account).ExecuteNonQuery();
            Bind(_cache, "$account", account);
            Bind(_cache, "$now", _now).ExecuteNonQuery();
            Bind(_usage, "$account", account).ExecuteNonQuery();
            _commit.ExecuteNonQuery();
        }
        catch
        {
            using var rollback = _connection.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            rollback.ExecuteNonQuery();
            throw;
        }
    }

    public void Dispose() => _connection.Dispose();

    private DbCommand Prepare(string sql)
    {
        var command = _connection.CreateCommand();
        command.CommandText = _postgres ? Parameter().Replace(sql, "@$1") : sql;
        return command;
    }

    private DbCommand Bind(DbCommand command, string name, object value)
    {
        var key = _postgres ? name[1..] : name;
        var index = command.Parameters.IndexOf(key);
        if (index < 0)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = key;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        else
        {
            command.Parameters[index].Value = value;
        }

        return command;
    }

    [GeneratedRegex(@"\$([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex Parameter();
}
