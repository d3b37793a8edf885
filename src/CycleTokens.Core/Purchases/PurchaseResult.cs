namespace CycleTokens.Core.Purchases;

/// <summary>The outcome of creating or completing a purchase.</summary>
/// <param name="Purchase">The purchase after the action.</param>
/// <param name="BalanceAfter">The buyer's balance after.</param>
/// <param name="Replayed">True when nothing new happened: a retried key, or completing a completed purchase.</param>
public sealed record PurchaseResult(Purchase Purchase, long BalanceAfter, bool Replayed);
