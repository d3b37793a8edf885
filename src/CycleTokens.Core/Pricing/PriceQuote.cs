namespace CycleTokens.Core.Pricing;

/// <summary>What a charge with the same arguments would cost now, and whether the balance covers it.</summary>
/// <param name="Operation">The operation priced.</param>
/// <param name="BasePrice">The catalogue (or default) price of one operation.</param>
/// <param name="UnitPrice">The price of one operation after the cache discount.</param>
/// <param name="Cached">True when the cache discount applies.</param>
/// <param name="CacheDiscountPct">The cache discount in percent (0 when not cached).</param>
/// <param name="Quantity">Operations covered.</param>
/// <param name="BatchDiscountPct">The batch discount in percent.</param>
/// <param name="TotalPrice">The tokens a charge would debit.</param>
/// <param name="PricedBy">Catalogue or default price.</param>
/// <param name="Balance">The user's balance now.</param>
public sealed record PriceQuote(
    string Operation,
    long BasePrice,
    long UnitPrice,
    bool Cached,
    int CacheDiscountPct,
    int Quantity,
    int BatchDiscountPct,
    long TotalPrice,
    PricedBy PricedBy,
    long Balance)
{
    /// <summary>True when the balance covers <see cref="TotalPrice"/>.</summary>
    public bool Affordable => Balance >= TotalPrice;

    /// <summary>The total in euros, two decimals.</summary>
    public string TotalEur => Money.TokensToEur(TotalPrice);
}
