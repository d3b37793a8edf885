using CycleTokens.Core.Accounts;
using CycleTokens.Core.Admin;

namespace CycleTokens.Core.Storage.Sql;

/// <summary>Accounts of every kind in the <c>accounts</c> table, through the engine's prepared commands.</summary>
internal sealed class SqlAccountStore(ISqlSession db) : IAccountStore
{
    // A hold has no accounts row (its balance is its reservation's): the held reservations' holds are listed with the
    // stored accounts; an ended reservation's hold holds nothing and is not listed.
    private const string ListSql = """
        SELECT id, kind, tier, balance FROM (
            SELECT id, kind, tier, balance FROM accounts
             WHERE (CAST($kind AS TEXT) IS NULL OR kind = $kind) AND id > $after
            UNION ALL
            SELECT 'hold:' || id, 'hold', NULL, held FROM reservations INDEXED BY ix_reservations_held
             WHERE status = 'held' AND (CAST($kind AS TEXT) IS NULL OR CAST($kind AS TEXT) = 'hold') AND 'hold:' || id > $after
        ) AS listed
        ORDER BY id LIMIT $limit
        """;

    public List<AccountSummary> List(AccountKind? kind, string after, int limit)
    {
        var list = new List<AccountSummary>();
        using var reader = db.Command(ListSql)
            .With("$kind", kind?.ToString().ToLowerInvariant())
            .With("$after", after)
            .With("$limit", limit)
            .ExecuteReader();
        while (reader.Read())
        {
            list.Add(new AccountSummary(
                reader.GetString(0),
                Enum.Parse<AccountKind>(reader.GetString(1), ignoreCase: true),
                reader.IsDBNull(2) ? null : TierNames.Parse(reader.GetString(2)),
                reader.GetInt64(3)));
        }

        return list;
    }
}
