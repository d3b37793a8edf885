using System.Collections.Frozen;
using System.Text.Json;
using CycleTokens.Core.Accounts;

namespace CycleTokens.Core.Pricing;

/// <summary>
/// The price list: operation prices, the default price, tiers, discounts and purchase packs,
/// read from a <c>pricing.json</c> (the built-in one unless the operator gives a file).
/// </summary>
public sealed partial class PriceCatalog
{
    private readonly FrozenDictionary<string, long> _prices;

    private PriceCatalog(
        long defaultPrice,
        IReadOnlyList<CatalogOperation> operations,
        IReadOnlyDictionary<Tier, TierInfo> tiers,
        int cacheWindowHours,
        int cachePayPct,
        IReadOnlyList<BatchDiscount> batchDiscounts,
        long purchaseMinTokens,
        IReadOnlyList<PurchasePack> packs,
        IReadOnlyList<string> methods)
    {
        DefaultPrice = defaultPrice;
        Operations = operations;
        Tiers = tiers;
        CacheWindow = TimeSpan.FromHours(cacheWindowHours);
        CachePayPct = cachePayPct;
        BatchDiscounts = batchDiscounts;
        PurchaseMinTokens = purchaseMinTokens;
        Packs = packs;
        Methods = methods;
        _prices = operations.ToFrozenDictionary(o => o.Operation, o => o.Price, StringComparer.Ordinal);
    }

    /// <summary>The price of an operation missing from the catalogue.</summary>
    public long DefaultPrice { get; }

    /// <summary>Every priced operation, sorted by name.</summary>
    public IReadOnlyList<CatalogOperation> Operations { get; }

    /// <summary>The tiers and their terms.</summary>
    public IReadOnlyDictionary<Tier, TierInfo> Tiers { get; }

    /// <summary>How long after a charge a repeat of the same operation and params is discounted.</summary>
    public TimeSpan CacheWindow { get; }

    /// <summary>The percentage of the price a cached repeat pays (10: a 90% discount).</summary>
    public int CachePayPct { get; }

    /// <summary>Batch discount steps, largest minimum first.</summary>
    public IReadOnlyList<BatchDiscount> BatchDiscounts { get; }

    /// <summary>The smallest purchase in tokens.</summary>
    public long PurchaseMinTokens { get; }

    /// <summary>Packs with their own prices.</summary>
    public IReadOnlyList<PurchasePack> Packs { get; }

    /// <summary>Accepted payment methods.</summary>
    public IReadOnlyList<string> Methods { get; }

    /// <summary>The built-in catalogue shipped with the engine.</summary>
    public static PriceCatalog BuiltIn()
    {
        using var stream = typeof(PriceCatalog).Assembly.GetManifestResourceStream("CycleTokens.Core.Pricing.pricing.json")
            ?? throw new InvalidOperationException("The built-in price list is missing from the assembly.");
        return Parse(stream);
    }

    /// <summary>Reads a catalogue from a <c>pricing.json</c> file.</summary>
    /// <exception cref="InvalidDataException">The file breaks a rule; the message says which.</exception>
    public static PriceCatalog Load(string path)
    {
        using var stream = File.OpenRead(path);
        return Parse(stream);
    }

    /// <summary>The base price of an operation and where it came from.</summary>
    public (long Price, PricedBy PricedBy) PriceOf(string operation) =>
        _prices.TryGetValue(operation, out var price) ? (price, PricedBy.Catalogue) : (DefaultPrice, PricedBy.Default);

    /// <summary>True when the operation is in the catalogue.</summary>
    public bool Contains(string operation) => _prices.ContainsKey(operation);

    /// <summary>The batch discount in percent for a quantity.</summary>
    public int BatchDiscountFor(int quantity)
    {
        foreach (var step in BatchDiscounts)
        {
            if (quantity >= step.MinQuantity)
            {
                return step.DiscountPct;
            }
        }

        return 0;
    }

    /// <summary>The euro-cent price of a purchase: a pack's price, otherwise one cent a token.</summary>
    public long PurchasePriceCents(long tokens)
    {
        foreach (var pack in Packs)
        {
            if (pack.Tokens == tokens)
            {
                return pack.PriceCents;
            }
        }

        return tokens;
    }
}
