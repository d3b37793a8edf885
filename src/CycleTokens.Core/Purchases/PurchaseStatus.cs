namespace CycleTokens.Core.Purchases;

/// <summary>Where a purchase stands.</summary>
public enum PurchaseStatus
{
    /// <summary>Waiting for payment; nothing credited.</summary>
    Pending,

    /// <summary>Paid and credited, exactly once.</summary>
    Completed,
}
