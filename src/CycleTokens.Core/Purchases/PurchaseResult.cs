namespace CycleTokens.Core.Purchases;

/// <summary>The outcome of creating or completing a purchase.</summary>
/// <param name="Purchase">The purchase after the action.</param>
/// <param name="BalanceAfter">The buyer's balance after.</param>
/// <param name="Replayed">True when nothing new happened: a retried key, or completing a completed purchase.</param>
public sealed record PurchaseResult(Purchase Purchase, long BalanceAfter, bool Replayed)
{
    /// <summary>
    /// The signed receipt (compact JWS) of the completion, or null: creating a purchase moves no tokens, and a ledger
    /// configured without receipt keys signs none. Completing a completed purchase signs the original completion's
    /// figures again (the same claims, another signature).
    /// </summary>
    public string? Receipt { get; init; }
}
