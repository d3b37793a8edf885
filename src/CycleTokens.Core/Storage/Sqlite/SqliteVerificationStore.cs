using Microsoft.Data.Sqlite;

namespace CycleTokens.Core.Storage.Sqlite;

/// <summary>Verification reads of the ledger file, through the engine's prepared commands.</summary>
internal sealed class SqliteVerificationStore(LedgerDatabase db) : IVerificationStore
{
    private const string JournalSql = """
        SELECT t.seq, t.id, t.created_ms, t.kind, t.type, t.account, t.operation, t.amount, t.counterparty,
               t.balance_after, t.month_key, t.metadata, t.idempotency_key, t.ref, t.details, t.hash,
               p.account, p.bucket, p.amount
          FROM transactions t LEFT JOIN postings p ON p.tx_seq = t.seq
         ORDER BY t.seq, p.idx
        """;

    private const string AccountsSql = "SELECT id, kind, balance, allowance, purchased FROM accounts ORDER BY id";

    private const string CountSql = "SELECT COUNT(*) FROM transactions";

    private const string OrphanPostingsSql = "SELECT COUNT(*) FROM postings WHERE tx_seq NOT IN (SELECT seq FROM transactions)";

    private const string IntegrityCheckSql = "PRAGMA integrity_check";

    public long CountTransactions() => (long)db.Command(CountSql).ExecuteScalar()!;

    public IEnumerable<StoredTx> Journal()
    {
        using var reader = db.Command(JournalSql).ExecuteReader();
        StoredTx? current = null;
        while (reader.Read())
        {
            // One result row per posting (one with none for a row without postings): a new seq starts the next row.
            var seq = reader.GetInt64(0);
            if (current is null || current.Row.Seq != seq)
            {
                if (current is not null)
                {
                    yield return current;
                }

                current = new StoredTx(
                    new TxRow(
                        seq,
                        reader.GetString(1),
                        reader.GetInt64(2),
                        reader.GetString(3),
                        reader.GetString(4),
                        reader.GetString(5),
                        reader.GetStringOrNull(6),
                        reader.GetInt64(7),
                        reader.GetStringOrNull(8),
                        reader.GetInt64(9),
                        reader.GetInt64(10),
                        reader.GetStringOrNull(11),
                        reader.GetStringOrNull(12),
                        reader.GetStringOrNull(13),
                        reader.GetStringOrNull(14)),
                    (byte[])reader.GetValue(15),
                    []);
            }

            if (!reader.IsDBNull(16))
            {
                current.Postings.Add(new Posting(reader.GetString(16), reader.GetString(17), reader.GetInt64(18)));
            }
        }

        if (current is not null)
        {
            yield return current;
        }
    }

    public long OrphanPostings() => (long)db.Command(OrphanPostingsSql).ExecuteScalar()!;

    public IEnumerable<StoredAccount> Accounts()
    {
        using var reader = db.Command(AccountsSql).ExecuteReader();
        while (reader.Read())
        {
            yield return new StoredAccount(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
        }
    }

    /// <remarks>
    /// <c>PRAGMA integrity_check</c> reads every page, so it finds damage to indexes and tables that the journal scan
    /// never touches.
    /// </remarks>
    public List<string> IntegrityProblems()
    {
        var found = new List<string>();
        try
        {
            using var reader = db.Command(IntegrityCheckSql).ExecuteReader();
            while (reader.Read())
            {
                // One row may hold several findings, one a line, under a "*** in database main ***" heading.
                found.AddRange(reader.GetString(0).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Where(line => !line.StartsWith("***", StringComparison.Ordinal)));
            }
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SQLitePCL.raw.SQLITE_CORRUPT)
        {
            // Damage bad enough to stop the check itself.
            found.Add("the check could not finish: " + SQLitePCL.raw.sqlite3_errstr(ex.SqliteErrorCode).utf8_to_string());
        }

        return found is ["ok"] ? [] : found;
    }
}
