using CycleTokens.Core.Keys;
using System.Data.Common;

namespace CycleTokens.Core.Storage.Sql;

/// <summary>API keys in the <c>api_keys</c> table, through the engine's prepared commands.</summary>
internal sealed class SqlApiKeyStore(ISqlSession db) : IApiKeyStore
{
    private const string Columns = "id, account, role, name, created_ms, expires_ms, revoked_ms, last_used_ms, max_per_call, max_per_day, confirm_above";

    private const string InsertSql = """
        INSERT INTO api_keys (id, secret_hash, account, role, name, created_ms, expires_ms, max_per_call, max_per_day, confirm_above)
        VALUES ($id, $hash, $account, $role, $name, $now, $expires, $max_per_call, $max_per_day, $confirm_above)
        """;

    private const string FindSql = "SELECT " + Columns + " FROM api_keys WHERE id = $id";

    private const string FindByHashSql = "SELECT " + Columns + " FROM api_keys WHERE secret_hash = $hash";

    private const string ListSql = "SELECT " + Columns + " FROM api_keys ORDER BY created_ms, id";

    private const string ListOfAccountSql = "SELECT " + Columns + " FROM api_keys WHERE account = $account ORDER BY created_ms, id";

    private const string RevokeSql = "UPDATE api_keys SET revoked_ms = $now WHERE id = $id AND revoked_ms IS NULL";

    private const string UpdateSql = """
        UPDATE api_keys SET name = $name, expires_ms = $expires, max_per_call = $max_per_call, max_per_day = $max_per_day,
                            confirm_above = $confirm_above
         WHERE id = $id
        """;

    // The guard makes racing processes' writes after the first no-ops.
    private const string RecordUseSql = """
        UPDATE api_keys SET last_used_ms = $now
         WHERE id = $id AND revoked_ms IS NULL AND (last_used_ms IS NULL OR last_used_ms <= $stale)
        """;

    public void Insert(ApiKey key, byte[] secretHash) =>
        db.Command(InsertSql)
            .With("$id", key.Id)
            .With("$hash", secretHash)
            .With("$account", key.Account)
            .With("$role", key.Role.ToWireName())
            .With("$name", key.Name)
            .With("$now", key.CreatedAt.ToUnixTimeMilliseconds())
            .With("$expires", key.ExpiresAt?.ToUnixTimeMilliseconds())
            .With("$max_per_call", key.Budget.MaxPerCall)
            .With("$max_per_day", key.Budget.MaxPerDay)
            .With("$confirm_above", key.Budget.ConfirmAbove)
            .ExecuteNonQuery();

    public ApiKey? Find(string id) => ReadOne(db.Command(FindSql).With("$id", id));

    public ApiKey? FindByHash(byte[] secretHash) => ReadOne(db.Command(FindByHashSql).With("$hash", secretHash));

    public List<ApiKey> List(string? account)
    {
        var command = account is null ? db.Command(ListSql) : db.Command(ListOfAccountSql).With("$account", account);
        var keys = new List<ApiKey>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            keys.Add(Read(reader));
        }

        return keys;
    }

    public void Revoke(string id, long nowMs) => db.Command(RevokeSql).With("$id", id).With("$now", nowMs).ExecuteNonQuery();

    public void Update(ApiKey key) =>
        db.Command(UpdateSql)
            .With("$id", key.Id)
            .With("$name", key.Name)
            .With("$expires", key.ExpiresAt?.ToUnixTimeMilliseconds())
            .With("$max_per_call", key.Budget.MaxPerCall)
            .With("$max_per_day", key.Budget.MaxPerDay)
            .With("$confirm_above", key.Budget.ConfirmAbove)
            .ExecuteNonQuery();

    public void RecordUse(string id, long nowMs, long staleMs) =>
        db.Command(RecordUseSql).With("$id", id).With("$now", nowMs).With("$stale", staleMs).ExecuteNonQuery();

    private static ApiKey? ReadOne(DbCommand command)
    {
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    /// <summary>A key from the columns of <see cref="Columns"/>, in that order.</summary>
    private static ApiKey Read(DbDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        KeyRoles.Parse(r.GetString(2)),
        r.GetStringOrNull(3),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)),
        OptionalTime(r, 5),
        OptionalTime(r, 6),
        OptionalTime(r, 7),
        new KeyBudget(r.GetInt64OrNull(8), r.GetInt64OrNull(9), r.GetInt64OrNull(10)));

    private static DateTimeOffset? OptionalTime(DbDataReader r, int ordinal) =>
        r.GetInt64OrNull(ordinal) is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
}
