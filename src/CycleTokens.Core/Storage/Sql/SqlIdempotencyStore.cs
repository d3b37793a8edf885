namespace CycleTokens.Core.Storage.Sql;

/// <summary>Outcomes of keyed calls in the <c>idempotency</c> table, through the engine's prepared commands.</summary>
internal sealed class SqlIdempotencyStore(ISqlSession db) : IIdempotencyStore
{
    private const string FindSql = "SELECT fingerprint, outcome FROM idempotency WHERE account = $account AND key = $key";

    private const string StoreSql = """
        INSERT INTO idempotency (account, key, fingerprint, outcome, created_ms)
        VALUES ($account, $key, $fingerprint, $outcome, $now)
        """;

    private const string PruneSql = "DELETE FROM idempotency WHERE account = $account AND created_ms < $before";

    public (string Fingerprint, string Outcome)? Find(string account, string key)
    {
        using var reader = db.Command(FindSql).With("$account", account).With("$key", key).ExecuteReader();
        return reader.Read() ? (reader.GetString(0), reader.GetString(1)) : null;
    }

    public void Store(string account, string key, string fingerprint, string outcome, long nowMs) =>
        db.Later(StoreSql)
            .With("$account", account)
            .With("$key", key)
            .With("$fingerprint", fingerprint)
            .With("$outcome", outcome)
            .With("$now", nowMs)
            .DeferIn(db);

    public void Prune(string account, long beforeMs) =>
        db.Command(PruneSql).With("$account", account).With("$before", beforeMs).ExecuteNonQuery();
}
