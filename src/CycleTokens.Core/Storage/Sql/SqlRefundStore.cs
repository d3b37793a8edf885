namespace CycleTokens.Core.Storage.Sql;

/// <summary>Refunds in the <c>refunds</c> table, through the engine's prepared commands.</summary>
internal sealed class SqlRefundStore(ISqlSession db) : IRefundStore
{
    private const string RefundOfSql = "SELECT refund_id FROM refunds WHERE charge_id = $id";

    private const string InsertSql = "INSERT INTO refunds (charge_id, refund_id) VALUES ($charge, $refund)";

    public string? RefundOf(string chargeId) => db.Command(RefundOfSql).With("$id", chargeId).ExecuteScalar() as string;

    public void Insert(string chargeId, string refundId) =>
        db.Command(InsertSql).With("$charge", chargeId).With("$refund", refundId).ExecuteNonQuery();
}
