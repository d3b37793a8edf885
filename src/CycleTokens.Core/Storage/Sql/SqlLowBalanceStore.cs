namespace CycleTokens.Core.Storage.Sql;

/// <summary>Low-balance thresholds and alert state in <c>low_balance</c>, through the engine's prepared commands.</summary>
internal sealed class SqlLowBalanceStore(ISqlSession db) : ILowBalanceStore
{
    // One statement per debit. A first debit inserts the account's row; later ones write only when the state changes
    // (or on a new crossing), and return a row only then, so most debits read one row and write nothing. Truth values
    // are spelled as CASE ... 1/0 and the existing row's columns qualified, so the text is the same for both dialects.
    private const string RecordSql = """
        INSERT INTO low_balance (account, threshold, alerted)
        VALUES ($account, NULL, CASE WHEN $after < $default THEN 1 ELSE 0 END)
        ON CONFLICT (account) DO UPDATE
           SET alerted = CASE WHEN $after < COALESCE(low_balance.threshold, $default) THEN 1 ELSE 0 END
         WHERE low_balance.alerted <> CASE WHEN $after < COALESCE(low_balance.threshold, $default) THEN 1 ELSE 0 END
            OR ($before >= COALESCE(low_balance.threshold, $default) AND $after < COALESCE(low_balance.threshold, $default))
        RETURNING alerted, COALESCE(threshold, $default)
        """;

    private const string ThresholdSql = "SELECT threshold FROM low_balance WHERE account = $account";

    private const string SetSql = """
        INSERT INTO low_balance (account, threshold, alerted) VALUES ($account, $threshold, 0)
        ON CONFLICT (account) DO UPDATE SET threshold = excluded.threshold, alerted = 0
        """;

    public long? RecordDebit(string account, long before, long after, long tierDefault)
    {
        using var reader = db.Command(RecordSql)
            .With("$account", account)
            .With("$before", before)
            .With("$after", after)
            .With("$default", tierDefault)
            .ExecuteReader();
        return reader.Read() && reader.GetInt64(0) == 1 ? reader.GetInt64(1) : null;
    }

    public long? Threshold(string account) => db.Command(ThresholdSql).With("$account", account).ExecuteScalar() as long?;

    public void SetThreshold(string account, long? threshold) =>
        db.Command(SetSql).With("$account", account).With("$threshold", threshold).ExecuteNonQuery();
}
