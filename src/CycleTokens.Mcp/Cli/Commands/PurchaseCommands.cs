using System.CommandLine;
using System.Text.Json.Nodes;
using CycleTokens.Core.Purchases;
using CycleTokens.Mcp.Json;
using static CycleTokens.Mcp.Cli.CliOptions;

namespace CycleTokens.Mcp.Cli.Commands;

/// <summary>purchases list|complete.</summary>
internal static class PurchaseCommands
{
    public static IEnumerable<Command> Create(CliApp app)
    {
        var account = Text("--account", "Only this user's purchases.");
        var status = Text("--status", "pending or completed.");
        var list = new Command("list", "List purchases, oldest first.") { account, status };
        list.SetAction(app, async (r, ledger, o, ct) =>
        {
            PurchaseStatus? s = r.GetValue(status) is { } text
                ? text is "pending" or "completed" ? Enum.Parse<PurchaseStatus>(text, ignoreCase: true)
                    : throw new Core.LedgerException(Core.LedgerErrorCode.InvalidArgument, $"status must be pending or completed (got '{Wire.Shown(text)}')", "status")
                : null;
            var purchases = await ledger.ListPurchasesAsync(r.GetValue(account), s, cancellationToken: ct);
            var json = new JsonObject
            {
                ["purchases"] = Wire.Array(purchases, p =>
                {
                    var item = ResultJson.Purchase(p);
                    item["account"] = p.Account;
                    return item;
                }),
            };
            o.List(json, "purchases", "purchase_id", "account", "status", "tokens", "amount_eur", "method", "created_at");
            return LedgerCommand.Ok;
        });

        var purchaseId = Arg("purchase-id", "The purchase to complete.");
        var complete = new Command("complete", "Mark a pending purchase paid and credit its tokens (exactly once).") { purchaseId };
        complete.SetAction(app, async (r, ledger, o, ct) =>
        {
            o.Record(ResultJson.PurchaseResult(await ledger.CompletePurchaseAsync(r.GetRequiredValue(purchaseId), ct)));
            return LedgerCommand.Ok;
        }, receipts: true);

        return [new Command("purchases", "Token purchases.") { list, complete }];
    }
}
