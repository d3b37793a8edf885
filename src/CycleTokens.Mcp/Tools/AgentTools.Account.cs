using System.Text.Json.Nodes;
using CycleTokens.Mcp.Json;
using static CycleTokens.Mcp.Tools.ParameterSpec;

namespace CycleTokens.Mcp.Tools;

internal static partial class AgentTools
{
    private static IEnumerable<ToolDefinition> AccountTools() =>
    [
        new("get_tier", "Get tier",
            "Returns this account's tier (monthly token allowance, monthly price, creator royalty) and all tiers for comparison.",
            [], OutputSchemas.TierWithList(), ToolHints.Read,
            async c =>
            {
                var balance = await c.Ledger.GetBalanceAsync(c.Account, c.Missing, c.CancellationToken);
                var json = ResultJson.Tier(balance.Tier);
                json["tiers"] = Wire.Array(c.Ledger.Catalog.Tiers.Values.OrderBy(t => t.Tier), ResultJson.Tier);
                return json;
            }),

        new("purchase_tokens", "Start a token purchase",
            "Starts a purchase of tokens (100 tokens = EUR 1.00; packs: 1000 for EUR 10.00, 5000 for EUR 50.00, 10000 for EUR 90.00). Returns a pending purchase with a checkout link or crypto payment details; nothing is credited until the payment completes.",
            [
                Whole("tokens", "Tokens to buy, 10-10000000.", 10, 10_000_000, required: true),
                Text("method", "Payment method.", true, "card", "usdc", "eth", "btc"),
                Text("idempotency_key", KeyText),
            ],
            OutputSchemas.PurchaseResult(), ToolHints.Write,
            async c => ResultJson.PurchaseResult(await c.Ledger.CreatePurchaseAsync(c.Account, c.Args.Long("tokens")!.Value, c.Args.String("method")!, c.Args.String("idempotency_key"), c.CancellationToken))),

        new("get_purchase", "Get a purchase",
            "Returns one of this account's purchases and its status.",
            [Text("purchase_id", "The purchase id returned by purchase_tokens.", required: true)],
            OutputSchemas.Purchase(), ToolHints.Read,
            async c => ResultJson.Purchase(await c.Ledger.GetPurchaseAsync(c.Account, c.Args.String("purchase_id")!, c.CancellationToken))),

        new("export_transactions", "Export transactions",
            "Exports this account's transactions, oldest first, as CSV (default) or JSON text.",
            [Text("format", "csv (default) or json.", false, "csv", "json")],
            OutputSchemas.ExportText(), ToolHints.Read,
            async c =>
            {
                if (c.Args.String("format") == "json")
                {
                    var data = await c.Ledger.ExportAccountAsync(c.Account, c.Missing, c.CancellationToken);
                    return new JsonObject { ["format"] = "json", ["content"] = Wire.Text(Wire.Array(data.Transactions, ResultJson.Transaction)), ["rows"] = data.Transactions.Count };
                }

                var csv = await c.Ledger.ExportCsvAsync(c.Account, c.Missing, cancellationToken: c.CancellationToken);
                return new JsonObject { ["format"] = "csv", ["content"] = csv, ["rows"] = Math.Max(0, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length - 1) };
            }),

        new("export_account_data", "Export account data",
            "Exports everything held about this account: balance and its parts, tier, month start, all transactions, escrows and the number of cached operations.",
            [], OutputSchemas.AccountData(), ToolHints.Read,
            async c => ResultJson.Export(await c.Ledger.ExportAccountAsync(c.Account, c.Missing, c.CancellationToken))),
    ];
}
