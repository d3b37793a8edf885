namespace CycleTokens.Core.Pricing;

/// <summary>A token pack with its own price.</summary>
/// <param name="Tokens">Tokens in the pack.</param>
/// <param name="PriceCents">Its price in euro cents.</param>
public sealed record PurchasePack(long Tokens, long PriceCents);
