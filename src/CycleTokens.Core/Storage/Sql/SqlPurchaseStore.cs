using CycleTokens.Core.Purchases;
using System.Data.Common;

namespace CycleTokens.Core.Storage.Sql;

/// <summary>Purchases in the <c>purchases</c> table, through the engine's prepared commands.</summary>
internal sealed class SqlPurchaseStore(ISqlSession db) : IPurchaseStore
{
    private const string Columns = "id, account, tokens, amount_cents, method, status, checkout_url, currency, created_ms, completed_ms, tx_id";

    private const string InsertSql = """
        INSERT INTO purchases (id, account, tokens, amount_cents, method, status, checkout_url, currency, created_ms)
        VALUES ($id, $account, $tokens, $cents, $method, 'pending', $url, $currency, $now)
        """;

    private const string LoadSql = "SELECT " + Columns + " FROM purchases WHERE id = $id";

    private const string ListSql = "SELECT " + Columns + """
         FROM purchases
        WHERE (CAST($account AS TEXT) IS NULL OR account = $account) AND (CAST($status AS TEXT) IS NULL OR status = $status)
        ORDER BY created_ms, id
        LIMIT $limit
        """;

    private const string CompleteSql = """
        UPDATE purchases SET status = 'completed', completed_ms = $now, tx_id = $tx WHERE id = $id AND status = 'pending'
        """;

    public void Insert(NewPurchase purchase) =>
        db.Command(InsertSql)
            .With("$id", purchase.Id)
            .With("$account", purchase.Account)
            .With("$tokens", purchase.Tokens)
            .With("$cents", purchase.AmountCents)
            .With("$method", purchase.Method)
            .With("$url", purchase.CheckoutUrl)
            .With("$currency", purchase.Currency)
            .With("$now", purchase.CreatedMs)
            .ExecuteNonQuery();

    public Purchase? Load(string id)
    {
        using var reader = db.Command(LoadSql).With("$id", id).ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    public List<Purchase> List(string? account, PurchaseStatus? status, int limit)
    {
        var list = new List<Purchase>();
        using var reader = db.Command(ListSql)
            .With("$account", account)
            .With("$status", status?.ToString().ToLowerInvariant())
            .With("$limit", limit)
            .ExecuteReader();
        while (reader.Read())
        {
            list.Add(Read(reader));
        }

        return list;
    }

    public void Complete(string id, long nowMs, string txId) =>
        db.Command(CompleteSql).With("$id", id).With("$now", nowMs).With("$tx", txId).ExecuteNonQuery();

    private static Purchase Read(DbDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetInt64(2),
        r.GetInt64(3),
        r.GetString(4),
        Enum.Parse<PurchaseStatus>(r.GetString(5), ignoreCase: true),
        r.GetStringOrNull(6),
        r.GetStringOrNull(7),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(8)),
        r.GetInt64OrNull(9) is { } completed ? DateTimeOffset.FromUnixTimeMilliseconds(completed) : null,
        r.GetStringOrNull(10));
}
