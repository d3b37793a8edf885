namespace CycleTokens.Core.Storage;

/// <summary>
/// The statements on which charge each refund reversed. Synchronous, as every call runs inside the engine's open
/// transaction; the rule that a transaction is refunded at most once stays in the engine.
/// </summary>
internal interface IRefundStore
{
    /// <summary>The id of the refund of this charge or spend, or null if it has not been refunded.</summary>
    string? RefundOf(string chargeId);

    /// <summary>Records that <paramref name="refundId"/> reversed <paramref name="chargeId"/>.</summary>
    void Insert(string chargeId, string refundId);
}
