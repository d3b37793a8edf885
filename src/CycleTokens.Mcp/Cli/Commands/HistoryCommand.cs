using System.CommandLine;
using System.Text.Json.Nodes;
using CycleTokens.Core.Accounts;
using CycleTokens.Core.History;
using CycleTokens.Mcp.Json;
using static CycleTokens.Mcp.Cli.CliOptions;

namespace CycleTokens.Mcp.Cli.Commands;

/// <summary>history: a user's transactions with the history tool's filters, as a table, CSV or JSON.</summary>
internal static class HistoryCommand
{
    public static Command Create(CliApp app, Argument<string> account)
    {
        var type = Text("--type", "debit, credit, escrow_hold, escrow_release, escrow_cancel, reservation_hold or reservation_release.");
        var kind = Text("--kind", "charge, spend, grant, purchase, allowance, expiry, refund, escrow, clear or reservation.");
        var operation = Text("--operation", "Only this operation.");
        var after = Text("--after", "Only at or after this ISO 8601 date-time.");
        var before = Text("--before", "Only before this ISO 8601 date-time.");
        var minAmount = Tokens("--min-amount", "Only transactions of at least this many tokens.");
        var limit = PageSize("--limit", "Page size, 1-1000 (default 100).");
        var cursor = Text("--cursor", "Continue after a previous page.");
        var csv = new Option<bool>("--csv") { Description = "The full CSV export (oldest first) instead of a page." };
        var command = new Command("history", "List a user's transactions, newest first; --csv exports all of them.")
        {
            account, type, kind, operation, after, before, minAmount, limit, cursor, csv,
        };
        command.SetAction(app, async (r, ledger, o, ct) =>
        {
            var user = r.GetRequiredValue(account);
            if (r.GetValue(csv))
            {
                await o.Out.WriteAsync(await ledger.ExportCsvAsync(user, MissingUser.Refuse, o.Progress("export"), ct));
                return LedgerCommand.Ok;
            }

            var page = await ledger.GetHistoryAsync(
                user,
                new HistoryQuery
                {
                    Type = r.GetValue(type) is { } t ? WireNames.ParseType(t) : null,
                    Kind = r.GetValue(kind) is { } k ? WireNames.ParseKind(k) : null,
                    Operation = r.GetValue(operation),
                    After = Dates.Parse(r.GetValue(after), "after"),
                    Before = Dates.Parse(r.GetValue(before), "before"),
                    MinAmount = r.GetValue(minAmount),
                    Limit = r.GetValue(limit) ?? 100,
                    Cursor = r.GetValue(cursor),
                },
                MissingUser.Refuse,
                ct);
            var json = new JsonObject { ["transactions"] = Wire.Array(page.Transactions, ResultJson.Transaction), ["next_cursor"] = page.NextCursor };
            o.List(json, "transactions", "timestamp", "id", "type", "kind", "operation", "amount", "balance_after", "counterparty");
            return LedgerCommand.Ok;
        });
        return command;
    }
}
