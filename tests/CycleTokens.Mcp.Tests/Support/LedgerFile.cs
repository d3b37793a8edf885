using Microsoft.Data.Sqlite;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// Reads a ledger file directly, read-only, behind the engine's back: the journal, the accounts, escrows and
/// purchases as stored. Safe while servers run (a WAL reader never blocks a writer).
/// </summary>
internal static class LedgerFile
{
    public static List<JournalRow> Journal(string path) => Query(
        path,
        """
        SELECT seq, id, created_ms, kind, type, account, operation, amount, counterparty, balance_after, month_key,
               idempotency_key, ref, details
        FROM transactions ORDER BY seq
        """,
        r => new JournalRow(
            r.GetInt64(0),
            r.GetString(1),
            r.GetInt64(2),
            r.GetString(3),
            r.GetString(4),
            r.GetString(5),
            r.IsDBNull(6) ? null : r.GetString(6),
            r.GetInt64(7),
            r.IsDBNull(8) ? null : r.GetString(8),
            r.GetInt64(9),
            r.GetInt32(10),
            r.IsDBNull(11) ? null : r.GetString(11),
            r.IsDBNull(12) ? null : r.GetString(12),
            r.IsDBNull(13) ? null : r.GetString(13)));

    /// <summary>
    /// Every account with its stored balance; a reservation's hold, which has no row of its own, with its reservation's
    /// (the tokens held while it is held, none once it ended).
    /// </summary>
    public static Dictionary<string, StoredAccount> Accounts(string path) => Query(
        path,
        """
        SELECT id, kind, balance, allowance, purchased, month_key FROM accounts
        UNION ALL
        SELECT 'hold:' || id, 'hold', CASE WHEN status = 'held' THEN held ELSE 0 END, 0, 0, NULL FROM reservations
        """,
        r => new StoredAccount(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.IsDBNull(5) ? null : r.GetInt32(5)))
        .ToDictionary(a => a.Id, StringComparer.Ordinal);

    public static Dictionary<string, StoredEscrow> Escrows(string path) => Query(
        path,
        "SELECT id, account, amount, allowance_part, purchased_part, month_key, status, expires_ms FROM escrows",
        r => new StoredEscrow(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt32(5), r.GetString(6), r.IsDBNull(7) ? null : r.GetInt64(7)))
        .ToDictionary(e => e.Id, StringComparer.Ordinal);

    public static Dictionary<string, StoredPurchase> Purchases(string path) => Query(
        path,
        "SELECT id, account, tokens, status, tx_id FROM purchases",
        r => new StoredPurchase(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4)))
        .ToDictionary(p => p.Id, StringComparer.Ordinal);

    private static List<T> Query<T>(string path, string sql, Func<SqliteDataReader, T> read)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA busy_timeout = 10000";
            pragma.ExecuteNonQuery();
        }

        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(read(reader));
        }

        return rows;
    }
}
