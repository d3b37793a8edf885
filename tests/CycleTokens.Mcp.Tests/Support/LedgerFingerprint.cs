using System.Text;
using CycleTokens.Core;
using Microsoft.Data.Sqlite;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// Everything stored in a ledger file as one comparable text, read behind the engine's back on a read-only
/// connection held open: the schema version, the row count of every table (found from the schema, so a new table
/// is covered), every account's balance, parts, tier, month and history start, and every escrow's and purchase's
/// status. Cheap enough to take after every call of a long run; equal texts mean the call wrote nothing.
/// </summary>
internal sealed class LedgerFingerprint : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly List<string> _tables = [];

    public LedgerFingerprint(string databasePath)
    {
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA busy_timeout = 10000");
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            _tables.Add(reader.GetString(0));
        }
    }

    /// <summary>The tables found in the file (at least the journal, postings, accounts, escrows, purchases, idempotency).</summary>
    public IReadOnlyList<string> Tables => _tables;

    public string Take()
    {
        var sb = new StringBuilder();
        sb.Append("user_version=").Append(Scalar("PRAGMA user_version")).Append('\n');
        foreach (var table in _tables)
        {
            // Table names come from sqlite_master of our own file, quoted as identifiers.
            sb.Append(table).Append('=').Append(Scalar($"SELECT COUNT(*) FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\"")).Append('\n');
        }

        Rows(sb, "SELECT id, kind, balance, allowance, purchased, tier, month_key, history_start FROM accounts ORDER BY id");
        Rows(sb, "SELECT id, account, status, amount, released_ms, cancelled_ms FROM escrows ORDER BY id");
        Rows(sb, "SELECT id, account, status, tokens, tx_id FROM purchases ORDER BY id");
        Rows(sb, "SELECT COALESCE(MAX(seq), 0), COALESCE(SUM(amount), 0) FROM transactions");
        Rows(sb, "SELECT account, operation, params_hash, last_ms FROM discount_cache ORDER BY account, operation, params_hash");
        Rows(sb, "SELECT account, key, fingerprint FROM idempotency ORDER BY account, key");
        return sb.ToString();
    }

    /// <summary>
    /// Balances of all accounts except escrow accounts that hold nothing (a missing account holds 0), and the holds of
    /// held reservations (a hold has no row of its own: its reservation holds its balance).
    /// </summary>
    public Dictionary<string, (string Kind, long Balance)> Balances()
    {
        var balances = new Dictionary<string, (string, long)>(StringComparer.Ordinal);
        using var command = _connection.CreateCommand();
        command.CommandText = """
            SELECT id, kind, balance FROM accounts WHERE kind <> 'escrow' OR balance <> 0
            UNION ALL
            SELECT 'hold:' || id, 'hold', held FROM reservations WHERE status = 'held'
            """;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            balances[reader.GetString(0)] = (reader.GetString(1), reader.GetInt64(2));
        }

        return balances;
    }

    /// <summary>A stored user's allowance and purchased parts, or null when the user does not exist.</summary>
    public (long Allowance, long Purchased)? Parts(string account)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT allowance, purchased FROM accounts WHERE id = $id";
        command.Parameters.AddWithValue("$id", account);
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetInt64(1)) : null;
    }

    public void Dispose() => _connection.Dispose();

    /// <summary>The full picture the tests compare before and after a batch: the fingerprint plus the engine's own view.</summary>
    public async Task<string> FullAsync(TokenLedger ledger, params string[] users)
    {
        var purchases = await ledger.ListPurchasesAsync(limit: 100_000);
        var snapshot = await LedgerSnapshot.TakeAsync(ledger, users);
        return Take() + "\n" + snapshot + "\n" + string.Join("\n", purchases);
    }

    private void Rows(StringBuilder sb, string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            for (var i = 0; i < reader.FieldCount; i++)
            {
                sb.Append(reader.IsDBNull(i) ? "null" : reader.GetValue(i)).Append('|');
            }

            sb.Append('\n');
        }
    }

    private object? Scalar(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
