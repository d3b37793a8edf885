using CycleTokens.Core.Accounts;
using System.Data.Common;

namespace CycleTokens.Core.Storage.Sql;

/// <summary>User rows in the <c>accounts</c> table, through the engine's prepared commands.</summary>
internal sealed class SqlUserStore(ISqlSession db) : IUserStore
{
    private const string LoadSql = """
        SELECT balance, allowance, purchased, tier, month_key, history_start
        FROM accounts WHERE id = $id AND kind = 'user'
        """;

    private const string InsertSql = """
        INSERT INTO accounts (id, kind, tier, month_key, created_ms) VALUES ($id, 'user', 'FREE', $month, $now)
        """;

    private const string SetMonthSql = "UPDATE accounts SET month_key = $month WHERE id = $id";

    private const string SetTierSql = "UPDATE accounts SET tier = $tier WHERE id = $id";

    private const string ClearSql = """
        UPDATE accounts SET tier = 'FREE', month_key = $month, history_start = $seq WHERE id = $id
        """;

    // One statement, as starting every call needs all three.
    private const string StateColumns = """
        SELECT a.balance, a.allowance, a.purchased, a.tier, a.month_key, a.history_start,
               EXISTS (SELECT 1 FROM escrows e WHERE e.account = a.id AND e.status = 'held' AND e.expires_ms <= $now)
               OR EXISTS (SELECT 1 FROM reservations h WHERE h.account = a.id AND h.status = 'held' AND h.expires_ms <= $now),
               (SELECT c.last_ms FROM discount_cache c WHERE c.account = a.id AND c.operation = $operation AND c.params_hash = $hash)
        """;

    private const string StateSql = StateColumns + " FROM accounts a WHERE a.id = $id AND a.kind = 'user'";

    // A settle or void also needs the reservation it names: the same statement brings it (a round trip fewer on
    // PostgreSQL). Its columns follow the state's.
    private static readonly string StateWithReservationSql =
        StateColumns + ", " + SqlReservationStore.JoinedColumns
        + " FROM accounts a LEFT JOIN reservations r ON r.id = $reservation WHERE a.id = $id AND a.kind = 'user'";

    public UserRow? Load(string account)
    {
        using var reader = db.Command(LoadSql).With("$id", account).ExecuteReader();
        return reader.Read() ? Read(reader, account) : null;
    }

    public UserState LoadState(string account, long nowMs, CacheKey? cache, string? reservation)
    {
        var command = reservation is null ? db.Command(StateSql) : db.Command(StateWithReservationSql).With("$reservation", reservation);
        using var reader = command
            .With("$id", account)
            .With("$now", nowMs)
            .With("$operation", cache?.Operation)
            .With("$hash", cache?.ParamsHash)
            .ExecuteReader();
        if (!reader.Read())
        {
            return new UserState(null, false, null, null);
        }

        var stored = reservation is not null && !reader.IsDBNull(8) ? SqlReservationStore.ReadStored(reader, 8) : null;
        return new UserState(Read(reader, account), reader.GetFlag(6), reader.GetInt64OrNull(7), stored);
    }

    public void Insert(string account, int monthKey, long nowMs) =>
        db.Command(InsertSql).With("$id", account).With("$month", monthKey).With("$now", nowMs).ExecuteNonQuery();

    public void SetMonth(string account, int monthKey) =>
        db.Command(SetMonthSql).With("$id", account).With("$month", monthKey).ExecuteNonQuery();

    public void SetTier(string account, Tier tier) =>
        db.Command(SetTierSql).With("$id", account).With("$tier", tier.ToWireName()).ExecuteNonQuery();

    public void Clear(string account, int monthKey, long historyStart) =>
        db.Command(ClearSql).With("$id", account).With("$month", monthKey).With("$seq", historyStart).ExecuteNonQuery();

    /// <summary>The user row from the leading columns both queries select in the same order.</summary>
    private static UserRow Read(DbDataReader reader, string account) =>
        new(
            account,
            reader.GetInt64(0),
            reader.GetInt64(1),
            reader.GetInt64(2),
            TierNames.Parse(reader.GetString(3)),
            reader.GetInt32Of(4),
            reader.GetInt64(5));
}
