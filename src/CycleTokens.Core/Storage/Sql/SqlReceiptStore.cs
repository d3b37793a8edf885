namespace CycleTokens.Core.Storage.Sql;

/// <summary>Receipt checks' reads of the journal, through the engine's prepared commands.</summary>
internal sealed class SqlReceiptStore(ISqlSession db) : IReceiptStore
{
    private const string FindSql = """
        SELECT seq, id, created_ms, kind, type, account, operation, amount, counterparty, balance_after, month_key,
               metadata, idempotency_key, ref, details, hash
          FROM transactions WHERE id = $id
        """;

    private const string PostingsSql = "SELECT account, bucket, amount FROM postings WHERE tx_seq = $seq ORDER BY idx";

    private const string PreviousHashSql = "SELECT hash FROM transactions WHERE seq < $seq ORDER BY seq DESC LIMIT 1";

    public StoredTx? Find(string transactionId)
    {
        StoredTx stored;
        using (var reader = db.Command(FindSql).With("$id", transactionId).ExecuteReader())
        {
            if (!reader.Read())
            {
                return null;
            }

            stored = StoredTxReader.Read(reader);
        }

        using var postings = db.Command(PostingsSql).With("$seq", stored.Row.Seq).ExecuteReader();
        while (postings.Read())
        {
            stored.Postings.Add(new Posting(postings.GetString(0), postings.GetString(1), postings.GetInt64(2)));
        }

        return stored;
    }

    public byte[] PreviousHash(long seq) =>
        db.Command(PreviousHashSql).With("$seq", seq).ExecuteScalar() as byte[] ?? ChainHash.Genesis;
}
