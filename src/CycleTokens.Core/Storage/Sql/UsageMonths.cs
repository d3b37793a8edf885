using CycleTokens.Core.Accounts;

namespace CycleTokens.Core.Storage.Sql;

/// <summary>
/// The <c>usage_months</c> table: per user, calendar month (of the transaction's time, in the ledger's month time zone)
/// and operation, the count and tokens of charges and spends net of refunds since the last clear. Written in the same
/// transaction as the journal rows it sums, so whole-month usage is one short index range at any journal size.
/// </summary>
internal sealed class UsageMonths(ISqlSession db, MonthCalendar months) : IUsageStore
{
    private const string AddSql = """
        INSERT INTO usage_months (account, month_key, operation, count, tokens) VALUES ($account, $month, $operation, $count, $tokens)
        ON CONFLICT (account, month_key, operation) DO UPDATE SET count = usage_months.count + excluded.count, tokens = usage_months.tokens + excluded.tokens
        """;

    private const string ClearSql = "DELETE FROM usage_months WHERE account = $account";

    private const string ReadSql = """
        SELECT operation, CAST(SUM(count) AS BIGINT), CAST(SUM(tokens) AS BIGINT) FROM usage_months
         WHERE account = $account AND month_key >= $from AND month_key < $to
         GROUP BY operation
        HAVING SUM(count) > 0
         ORDER BY SUM(tokens) DESC, operation
        """;

    private const string PendingSql = "SELECT 1 FROM pending_work WHERE name = 'usage_months'";

    private const string DoneSql = "DELETE FROM pending_work WHERE name = 'usage_months'";

    private const string ClearAllSql = "DELETE FROM usage_months";

    // What the journal scan of a period counts: charges and spends after the user's last clear, not refunded.
    private const string JournalSql = """
        SELECT t.account, t.created_ms, t.operation, t.amount
          FROM transactions t JOIN accounts a ON a.id = t.account
         WHERE t.kind IN ('charge', 'spend') AND t.seq > a.history_start
           AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.charge_id = t.id)
        """;

    /// <inheritdoc />
    public void Add(string account, long createdMs, string operation, long count, long tokens) =>
        db.Later(AddSql)
            .With("$account", account)
            .With("$month", months.KeyOf(DateTimeOffset.FromUnixTimeMilliseconds(createdMs)))
            .With("$operation", operation)
            .With("$count", count)
            .With("$tokens", tokens)
            .DeferIn(db);

    /// <inheritdoc />
    public void Clear(string account) => db.Command(ClearSql).With("$account", account).ExecuteNonQuery();

    /// <inheritdoc />
    public List<(string Operation, long Count, long Tokens)> Read(string account, int from, int to)
    {
        var rows = new List<(string, long, long)>();
        using var reader = db.Command(ReadSql).With("$account", account).With("$from", from).With("$to", to).ExecuteReader();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
        }

        return rows;
    }

    /// <summary>
    /// Fills the table from the journal if the migration that created it left that to the engine (a file that already
    /// held charges): once, under the write lock, whichever process opens the file first.
    /// </summary>
    internal void FillIfPending()
    {
        if (db.Command(PendingSql).ExecuteScalar() is null)
        {
            return;
        }

        db.BeginWrite();
        try
        {
            if (db.Command(PendingSql).ExecuteScalar() is not null)
            {
                var totals = new Dictionary<(string Account, int Month, string Operation), (long Count, long Tokens)>();
                using (var reader = db.Command(JournalSql).ExecuteReader())
                {
                    while (reader.Read())
                    {
                        var key = (reader.GetString(0), months.KeyOf(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1))), reader.GetString(2));
                        var (count, tokens) = totals.GetValueOrDefault(key);
                        totals[key] = (count + 1, tokens + reader.GetInt64(3));
                    }
                }

                db.Command(ClearAllSql).ExecuteNonQuery();
                foreach (var ((account, month, operation), (count, tokens)) in totals)
                {
                    db.Command(AddSql)
                        .With("$account", account)
                        .With("$month", month)
                        .With("$operation", operation)
                        .With("$count", count)
                        .With("$tokens", tokens)
                        .ExecuteNonQuery();
                }

                db.Command(DoneSql).ExecuteNonQuery();
            }

            db.Commit();
        }
        catch
        {
            db.Rollback();
            throw;
        }
    }
}
