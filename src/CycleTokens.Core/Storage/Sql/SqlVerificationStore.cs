using System.Data.Common;

namespace CycleTokens.Core.Storage.Sql;

/// <summary>Verification reads of the ledger, through the engine's prepared commands; the backend's own page check is given.</summary>
internal sealed class SqlVerificationStore(ISqlSession db, Func<List<string>> integrityProblems) : IVerificationStore
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

                current = StoredTxReader.Read(reader);
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

    /// <inheritdoc />
    public List<string> IntegrityProblems() => integrityProblems();
}
