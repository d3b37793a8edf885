using CycleTokens.Core.Purchases;

namespace CycleTokens.Core.Storage;

/// <summary>
/// The statements behind purchases. Every call runs inside the engine's open transaction and is synchronous
/// for that reason; the rules (prices, methods, crediting once) stay in the engine.
/// </summary>
internal interface IPurchaseStore
{
    /// <summary>Stores a new pending purchase.</summary>
    void Insert(NewPurchase purchase);

    /// <summary>The purchase with this id, or null.</summary>
    Purchase? Load(string id);

    /// <summary>Purchases oldest first (then by id), of one account or all, of one status or any.</summary>
    List<Purchase> List(string? account, PurchaseStatus? status, int limit);

    /// <summary>Marks a pending purchase completed by <paramref name="txId"/>; a completed one is left as it is.</summary>
    void Complete(string id, long nowMs, string txId);
}
