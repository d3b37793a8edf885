namespace CycleTokens.Core.Storage.Sql;

/// <summary>The discount cache in the <c>discount_cache</c> table, through the engine's prepared commands.</summary>
internal sealed class SqlDiscountCacheStore(ISqlSession db) : IDiscountCacheStore
{
    private const string LookupSql = """
        SELECT last_ms FROM discount_cache WHERE account = $account AND operation = $operation AND params_hash = $hash
        """;

    private const string UpsertSql = """
        INSERT INTO discount_cache (account, operation, params_hash, last_ms) VALUES ($account, $operation, $hash, $now)
        ON CONFLICT (account, operation, params_hash) DO UPDATE SET last_ms = excluded.last_ms
        """;

    private const string CountSinceSql = "SELECT COUNT(*) FROM discount_cache WHERE account = $account AND last_ms > $since";

    private const string ClearSql = "DELETE FROM discount_cache WHERE account = $account";

    public long? LastCharge(string account, CacheKey key) =>
        db.Command(LookupSql).With("$account", account).With("$operation", key.Operation).With("$hash", key.ParamsHash).ExecuteScalar() as long?;

    public void RecordCharge(string account, CacheKey key, long nowMs) =>
        db.Later(UpsertSql).With("$account", account).With("$operation", key.Operation).With("$hash", key.ParamsHash).With("$now", nowMs).DeferIn(db);

    public long CountSince(string account, long sinceMs) =>
        (long)db.Command(CountSinceSql).With("$account", account).With("$since", sinceMs).ExecuteScalar()!;

    public void Clear(string account) => db.Command(ClearSql).With("$account", account).ExecuteNonQuery();
}
