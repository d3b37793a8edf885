using System.CommandLine;
using System.Text.Json.Nodes;
using CycleTokens.Core.Accounts;
using CycleTokens.Mcp.Json;
using CycleTokens.Mcp.Resources;
using static CycleTokens.Mcp.Cli.CliOptions;

namespace CycleTokens.Mcp.Cli.Commands;

/// <summary>refund, accounts, prices, verify, clear, backup: the ledger as a whole.</summary>
internal static class LedgerAdminCommands
{
    public static IEnumerable<Command> Create(CliApp app)
    {
        var transaction = Arg("transaction-id", "The charge or spend to refund.");
        var reason = new Option<string>("--reason") { Description = "Why (1-500 characters).", Required = true };
        var refund = new Command("refund", "Reverse a charge or spend into the parts it drew from (once).") { transaction, reason, IdempotencyKey };
        refund.SetAction(app, async (r, ledger, o, ct) =>
        {
            o.Record(ResultJson.Refund(await ledger.RefundAsync(r.GetRequiredValue(transaction), r.GetRequiredValue(reason), r.GetValue(IdempotencyKey), ct)));
            return LedgerCommand.Ok;
        }, receipts: true);

        var kind = Text("--kind", "user, creator, fab, platform, system, escrow or hold.");
        var limit = PageSize("--limit", "Page size, 1-1000 (default 100).");
        var cursor = Text("--cursor", "Continue after a previous page.");
        var accounts = new Command("accounts", "List accounts with kind, tier and balance.") { kind, limit, cursor };
        accounts.SetAction(app, async (r, ledger, o, ct) =>
        {
            AccountKind? k = r.GetValue(kind) is { } text
                ? Enum.TryParse<AccountKind>(text, ignoreCase: true, out var parsed) && !int.TryParse(text, out _) ? parsed
                    : throw new Core.LedgerException(Core.LedgerErrorCode.InvalidArgument, $"kind must be one of user, creator, fab, platform, system, escrow, hold (got '{Wire.Shown(text)}')", "kind")
                : null;
            var page = await ledger.ListAccountsAsync(k, r.GetValue(limit) ?? 100, r.GetValue(cursor), ct);
            o.List(new JsonObject { ["accounts"] = Wire.Array(page.Accounts, ResultJson.Account), ["next_cursor"] = page.NextCursor }, "accounts", "account", "kind", "tier", "balance");
            return LedgerCommand.Ok;
        });

        var category = Text("--category", "Only operations of this category or name prefix.");
        var prices = new Command("prices", "Show the price list: operations, tiers, discounts, packs.") { category };
        prices.SetAction(app, (r, ledger, o, ct) =>
        {
            var json = ResourceCatalog.Pricing(ledger.Catalog);
            if (r.GetValue(category) is { } c)
            {
                json["operations"] = Wire.Array(ledger.ListOperations(c), op => new JsonObject { ["operation"] = op.Operation, ["price"] = op.Price, ["category"] = op.Category });
            }

            if (o.Json)
            {
                o.WriteJson(json);
            }
            else
            {
                o.List(json, "operations", "operation", "price", "category");
                o.Out.WriteLine();
                o.List(json, "tiers", "tier", "monthly_allowance", "price_eur_per_month", "creator_royalty_pct");
                o.Out.WriteLine($"Unknown operations cost {ledger.Catalog.DefaultPrice} tokens. 100 tokens = EUR 1.00.");
            }

            return Task.FromResult(LedgerCommand.Ok);
        });

        var verify = new Command("verify", "Check the file with SQLite's integrity check, then recompute the hash chain and every balance; exit 1 if anything is wrong. Opens the ledger read-only: creates and writes nothing.");
        verify.SetAction(app, async (r, ledger, o, ct) =>
        {
            var report = await ledger.VerifyAsync(o.Progress("verify"), ct);
            var json = ResultJson.Verification(report);
            if (o.Json)
            {
                o.WriteJson(json);
            }
            else
            {
                o.Record(json);
                foreach (var problem in report.Problems)
                {
                    o.Out.WriteLine("problem: " + problem);
                }
            }

            if (!report.Ok)
            {
                await o.Error.WriteLineAsync($"The ledger has {report.Problems.Count} problem(s).");
            }

            return report.Ok ? LedgerCommand.Ok : LedgerCommand.BusinessFailure;
        }, readOnly: true);

        var clearAccount = Arg("account", "The user account to clear.");
        var confirm = new Option<string>("--confirm") { Description = "Must be exactly \"clear <account>\".", Required = true };
        var clear = new Command("clear", "Reset a user as if new (escrows cancelled, balance to system:cleared, tier FREE); the journal keeps everything.") { clearAccount, confirm };
        clear.SetAction(app, async (r, ledger, o, ct) =>
        {
            var result = await ledger.ClearAccountAsync(r.GetRequiredValue(clearAccount), r.GetRequiredValue(confirm), ct);
            o.Record(new JsonObject { ["account"] = result.Account, ["cleared"] = true, ["cleared_tokens"] = result.ClearedTokens, ["cancelled_escrows"] = result.CancelledEscrows, ["balance"] = result.BalanceAfter });
            return LedgerCommand.Ok;
        });

        var file = Arg("file", "Where to write the copy (must not exist).");
        var force = new Option<bool>("--force") { Description = "Copy even a ledger that fails SQLite's integrity check (refused otherwise: the copy would carry the damage)." };
        var backup = new Command("backup", "Copy the ledger with SQLite's online backup: one consistent snapshot, safe while servers run. Refuses a ledger that fails SQLite's integrity check unless --force.") { file, force };
        backup.SetAction(app, async (r, ledger, o, ct) =>
        {
            var target = Path.GetFullPath(r.GetRequiredValue(file));
            try
            {
                await ledger.BackupAsync(target, o.Progress("backup"), r.GetValue(force), ct);
            }
            catch (Core.LedgerException ex) when (ex.Code == Core.LedgerErrorCode.IntegrityCheckFailed)
            {
                return await o.FailAsync(ex.Message + " Run 'cycletokens verify' for the list, restore the last backup that verifies, or copy it anyway with --force.", LedgerCommand.BusinessFailure);
            }

            o.Record(new JsonObject { ["backup"] = target, ["bytes"] = new FileInfo(target).Length });
            return LedgerCommand.Ok;
        });

        return [refund, accounts, prices, verify, clear, backup];
    }
}
