namespace CycleTokens.Core.Storage.Sqlite;

/// <summary>Low-balance thresholds and alert state in <c>low_balance</c>, through the engine's prepared commands.</summary>
internal sealed class SqliteLowBalanceStore(LedgerDatabase db) : ILowBalanceStore
{
    // One statement per debit. A first debit inserts the account's row; later ones write only when the state changes
    // (or on a new crossing), and return a row only then, so most debits read one row and write nothing.
    private const string RecordSql = """
        INSERT INTO low_balance (account, threshold, alerted) VALUES ($account, NULL, $after < $default)
        ON CONFLICT (account) DO UPDATE SET alerted = $after < COALESCE(threshold, $default)
         WHERE alerted <> ($after < COALESCE(threshold, $default))
            OR ($before >= COALESCE(threshold, $default) AND $after < COALESCE(threshold, $default))
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
