using System.Text.Json.Nodes;
using CycleTokens.Core;
using CycleTokens.Core.Pricing;
using CycleTokens.Core.Receipts;
using CycleTokens.Mcp.Hosting;
using CycleTokens.Mcp.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CycleTokens.Mcp.Resources;

/// <summary>
/// The contract's resources: of the bound account its balance, this month's usage, the CSV export and one escrow; of
/// the server its pricing and the public keys that verify its receipts.
/// </summary>
internal sealed class ResourceCatalog(TokenLedger ledger, Callers callers, EventForwarder forwarder)
{
    public const string BalanceUri = "tokens://balance";
    public const string UsageUri = "tokens://usage";
    public const string PricingUri = "tokens://pricing";
    public const string CsvUri = "tokens://transactions.csv";
    public const string EscrowPrefix = "tokens://escrows/";
    public const string ReceiptKeysUri = "tokens://receipts/keys";

    /// <summary>The media type of a JWK Set (RFC 7517 §8.5).</summary>
    public const string JwkSetMimeType = "application/jwk-set+json";

    public static IReadOnlyList<Resource> Static { get; } =
    [
        new() { Uri = BalanceUri, Name = "balance", Title = "Token balance", MimeType = "application/json", Description = "The bound account's balance (as get_balance); subscribe to be told when it changes." },
        new() { Uri = UsageUri, Name = "usage", Title = "Usage this month", MimeType = "application/json", Description = "The bound account's usage this month (as get_usage without since or until)." },
        new() { Uri = PricingUri, Name = "pricing", Title = "Price list", MimeType = "application/json", Description = "Operation prices, tiers, discounts and purchase packs." },
        new() { Uri = CsvUri, Name = "transactions", Title = "Transactions (CSV)", MimeType = "text/csv", Description = "The bound account's transactions as CSV, oldest first." },
        new() { Uri = ReceiptKeysUri, Name = "receipt_keys", Title = "Receipt keys", MimeType = JwkSetMimeType, Description = "The public keys (a JWK Set, ES256) that verify the signed receipts tool results carry; over HTTP also GET /.well-known/jwks.json." },
    ];

    public static ResourceTemplate EscrowTemplate { get; } = new()
    {
        UriTemplate = EscrowPrefix + "{escrow_id}",
        Name = "escrow",
        Title = "Escrow",
        MimeType = "application/json",
        Description = "One escrow of the bound account (as get_escrow).",
    };

    public static bool Exists(string uri) =>
        Static.Any(r => r.Uri == uri) || (uri.StartsWith(EscrowPrefix, StringComparison.Ordinal) && uri.Length > EscrowPrefix.Length);

    public async ValueTask<ReadResourceResult> ReadAsync(RequestContext<ReadResourceRequestParams> context, CancellationToken cancellationToken)
    {
        var uri = context.Params?.Uri ?? string.Empty;
        var mode = callers.Of(context);
        using var scope = EventScope.Begin();
        (string Mime, string Text) content;
        try
        {
            content = uri switch
            {
                BalanceUri => ("application/json", Wire.Text(ResultJson.Balance(await ledger.GetBalanceAsync(mode.Account, cancellationToken)))),
                UsageUri => ("application/json", Wire.Text(ResultJson.Usage(await ledger.GetUsageAsync(mode.Account, cancellationToken: cancellationToken)))),
                PricingUri => ("application/json", Wire.Text(Pricing(ledger.Catalog))),
                CsvUri => ("text/csv", await ledger.ExportCsvAsync(mode.Account, cancellationToken)),
                ReceiptKeysUri => (JwkSetMimeType, (await ReceiptKeysAsync(ledger, cancellationToken)).ToJson()),
                _ when uri.StartsWith(EscrowPrefix, StringComparison.Ordinal) && uri.Length > EscrowPrefix.Length =>
                    ("application/json", Wire.Text(ResultJson.Escrow(await ledger.GetEscrowAsync(mode.Account, Uri.UnescapeDataString(uri[EscrowPrefix.Length..]), cancellationToken)))),
                _ => throw NotFound(context, uri),
            };
        }
        catch (LedgerException failure)
        {
            // An escrow of another account, or no such escrow: the same answer as an unknown resource.
            throw failure.Code == LedgerErrorCode.NotFound ? NotFound(context, uri) : new McpProtocolException(failure.Message, McpErrorCode.InvalidParams);
        }

        await forwarder.ForwardAsync(context, mode, scope.Events, cancellationToken);
        return new ReadResourceResult { Contents = [new TextResourceContents { Uri = uri, MimeType = content.Mime, Text = content.Text }] };
    }

    /// <summary>The keys that verify the ledger's receipts (every process's, as the key file lists them); none when it signs none.</summary>
    public static async Task<JwkSet> ReceiptKeysAsync(TokenLedger ledger, CancellationToken cancellationToken) =>
        ledger.ReceiptKeys is { } keys ? await keys.PublishedKeysAsync(cancellationToken) : new JwkSet([]);

    public static JsonObject Pricing(PriceCatalog catalog) => new()
    {
        ["token_value_eur"] = "0.01",
        ["default_price"] = catalog.DefaultPrice,
        ["operations"] = Wire.Array(catalog.Operations, o => new JsonObject { ["operation"] = o.Operation, ["price"] = o.Price, ["category"] = o.Category }),
        ["tiers"] = Wire.Array(catalog.Tiers.Values.OrderBy(t => t.Tier), ResultJson.Tier),
        ["cache_discount"] = new JsonObject { ["window_hours"] = (long)catalog.CacheWindow.TotalHours, ["pay_pct"] = catalog.CachePayPct },
        ["batch_discounts"] = Wire.Array(catalog.BatchDiscounts, b => new JsonObject { ["min_quantity"] = b.MinQuantity, ["discount_pct"] = b.DiscountPct }),
        ["purchase"] = new JsonObject
        {
            ["min_tokens"] = catalog.PurchaseMinTokens,
            ["packs"] = Wire.Array(catalog.Packs, p => new JsonObject { ["tokens"] = p.Tokens, ["price_eur"] = Money.TokensToEur(p.PriceCents) }),
            ["methods"] = Wire.Array(catalog.Methods, m => JsonValue.Create(m)),
        },
    };

    // The SDK's own convention: -32002 up to 2025-11-25, invalid params from 2026-07-28.
    private static McpProtocolException NotFound(MessageContext context, string uri)
    {
        var version = (context.JsonRpcMessage as JsonRpcRequest)?.Context?.ProtocolVersion ?? context.Server.NegotiatedProtocolVersion;
        var code = string.CompareOrdinal(version, "2026-07-28") >= 0 ? McpErrorCode.InvalidParams : McpErrorCode.ResourceNotFound;
        return new McpProtocolException($"Resource not found: '{Wire.Shown(uri, 100)}'", code);
    }
}
