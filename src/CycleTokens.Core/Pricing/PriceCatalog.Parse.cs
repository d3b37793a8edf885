using System.Text.Json;
using CycleTokens.Core.Accounts;

namespace CycleTokens.Core.Pricing;

public sealed partial class PriceCatalog
{
    private const long MaxPrice = 1_000_000;

    private static PriceCatalog Parse(Stream stream)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(stream);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The price list is not valid JSON (line {ex.LineNumber + 1}).");
        }

        using (document)
        {
            var root = document.RootElement;
            var defaultPrice = Price(Required(root, "default_price"), "default_price");
            var operations = new List<CatalogOperation>();
            foreach (var op in Required(root, "operations").EnumerateObject())
            {
                if (op.Name.Length is 0 or > 100 || !op.Name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '.' or '-'))
                {
                    throw new InvalidDataException($"The price list names an invalid operation '{op.Name}'.");
                }

                var dot = op.Name.IndexOf('.', StringComparison.Ordinal);
                operations.Add(new CatalogOperation(op.Name, Price(op.Value, op.Name), dot < 0 ? op.Name : op.Name[..dot]));
            }

            operations.Sort((a, b) => string.CompareOrdinal(a.Operation, b.Operation));

            var tiers = new Dictionary<Tier, TierInfo>();
            var tiersElement = Required(root, "tiers");
            foreach (var tier in Enum.GetValues<Tier>())
            {
                var name = tier.ToWireName();
                if (!tiersElement.TryGetProperty(name, out var t))
                {
                    throw new InvalidDataException($"The price list has no tier {name}.");
                }

                var royalty = Required(t, "creator_royalty_pct").GetInt32();
                if (royalty is < 0 or > 100)
                {
                    throw new InvalidDataException($"The royalty of tier {name} must be 0-100.");
                }

                tiers[tier] = new TierInfo(
                    tier,
                    name,
                    Required(t, "tokens_per_month").GetInt64(),
                    EuroText(Required(t, "price_eur_per_month").GetString()),
                    royalty);
            }

            var cache = Required(root, "cache_discount");
            var batches = Required(root, "batch_discounts").EnumerateArray()
                .Select(b => new BatchDiscount(Required(b, "min_quantity").GetInt32(), Required(b, "discount_pct").GetInt32()))
                .OrderByDescending(b => b.MinQuantity)
                .ToList();
            if (batches.Any(b => b.DiscountPct is < 0 or > 100 || b.MinQuantity < 1))
            {
                throw new InvalidDataException("A batch discount must be 0-100% from a quantity of at least 1.");
            }

            var purchase = Required(root, "purchase");
            var packs = Required(purchase, "packs").EnumerateArray()
                .Select(p => new PurchasePack(Required(p, "tokens").GetInt64(), EuroCents(Required(p, "price_eur").GetString())))
                .ToList();
            var methods = Required(purchase, "methods").EnumerateArray().Select(m => m.GetString() ?? string.Empty).ToList();

            return new PriceCatalog(
                defaultPrice,
                operations,
                tiers,
                Required(cache, "window_hours").GetInt32(),
                Required(cache, "pay_pct").GetInt32(),
                batches,
                Required(purchase, "min_tokens").GetInt64(),
                packs,
                methods);
        }
    }

    private static JsonElement Required(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value)
            ? value
            : throw new InvalidDataException($"The price list is missing '{name}'.");

    private static long Price(JsonElement value, string name)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var price) || price is < 0 or > MaxPrice)
        {
            throw new InvalidDataException($"The price of '{name}' must be a whole number of tokens from 0 to {MaxPrice}.");
        }

        return price;
    }

    // "49" or "10.00" → cents, exactly, without floating point.
    private static long EuroCents(string? text)
    {
        var parts = (text ?? string.Empty).Split('.');
        if (parts.Length > 2 || !long.TryParse(parts[0], out var euros) || euros < 0
            || (parts.Length == 2 && (parts[1].Length is 0 or > 2 || !int.TryParse(parts[1], out _))))
        {
            throw new InvalidDataException($"'{text}' is not a euro amount.");
        }

        var cents = parts.Length == 2 ? int.Parse(parts[1].PadRight(2, '0')) : 0;
        return (euros * 100) + cents;
    }

    private static string EuroText(string? text) => Money.TokensToEur(EuroCents(text));
}
