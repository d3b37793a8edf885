namespace CycleTokens.Core.Purchases;

/// <summary>A token purchase.</summary>
/// <param name="Id">The purchase id.</param>
/// <param name="Account">The buyer.</param>
/// <param name="Tokens">Tokens credited on completion.</param>
/// <param name="AmountCents">The price in euro cents.</param>
/// <param name="Method">card, usdc, eth or btc.</param>
/// <param name="Status">Pending or completed.</param>
/// <param name="CheckoutUrl">For card: where to pay.</param>
/// <param name="Currency">For crypto: the currency to pay in.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="CompletedAt">When it completed, or null.</param>
/// <param name="TransactionId">The crediting transaction, once completed.</param>
public sealed record Purchase(
    string Id,
    string Account,
    long Tokens,
    long AmountCents,
    string Method,
    PurchaseStatus Status,
    string? CheckoutUrl,
    string? Currency,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt,
    string? TransactionId)
{
    /// <summary>The price in euros, two decimals.</summary>
    public string AmountEur => Pricing.Money.TokensToEur(AmountCents);
}
