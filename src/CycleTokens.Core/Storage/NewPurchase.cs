namespace CycleTokens.Core.Storage;

/// <summary>A purchase as first stored: pending, not yet completed.</summary>
/// <param name="Id">The purchase id.</param>
/// <param name="Account">The buyer.</param>
/// <param name="Tokens">Tokens to credit on completion.</param>
/// <param name="AmountCents">The price in euro cents.</param>
/// <param name="Method">card, usdc, eth or btc.</param>
/// <param name="CheckoutUrl">For card: where to pay.</param>
/// <param name="Currency">For crypto: the currency to pay in.</param>
/// <param name="CreatedMs">When it was created, in Unix milliseconds.</param>
internal sealed record NewPurchase(
    string Id,
    string Account,
    long Tokens,
    long AmountCents,
    string Method,
    string? CheckoutUrl,
    string? Currency,
    long CreatedMs);
