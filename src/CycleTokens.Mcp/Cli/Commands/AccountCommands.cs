using System.CommandLine;
using System.Text.Json.Nodes;
using CycleTokens.Core.Accounts;
using CycleTokens.Core.History;
using CycleTokens.Mcp.Json;
using static CycleTokens.Mcp.Cli.CliOptions;

namespace CycleTokens.Mcp.Cli.Commands;

/// <summary>balance, grant, set-tier, usage, history, low-balance: one user account's tokens.</summary>
internal static class AccountCommands
{
    private static readonly Argument<string> Account = Arg("account", "The user account.");

    public static IEnumerable<Command> Create(CliApp app)
    {
        var balance = new Command("balance", "Show a user's balance, its allowance and purchased parts, escrow holdings and month. Fails (exit 1) for an account that does not exist.") { Account };
        balance.SetAction(app, async (r, ledger, o, ct) =>
        {
            o.Record(ResultJson.Balance(await ledger.GetBalanceAsync(r.GetRequiredValue(Account), MissingUser.Refuse, ct)));
            return LedgerCommand.Ok;
        });

        var amount = TokensArg("amount", "Tokens to grant, 1-1000000000000.");
        var source = Text("--source", "A label for the grant (default: grant).");
        var grant = new Command("grant", "Credit tokens to a user's purchased part (they never expire). Creates the user (tier FREE, with this month's allowance) if it does not exist.") { Account, amount, source, IdempotencyKey };
        grant.SetAction(app, async (r, ledger, o, ct) =>
        {
            o.Record(ResultJson.Grant(await ledger.GrantAsync(r.GetRequiredValue(Account), r.GetValue(amount), r.GetValue(source) ?? "grant", null, r.GetValue(IdempotencyKey), ct)));
            return LedgerCommand.Ok;
        }, receipts: true);

        var tier = TierArg("tier", "FREE, PRO or ENTERPRISE (any case).");
        var setTier = new Command("set-tier", "Set a user's tier: the current allowance expires and the new tier's allowance is granted. Creates the user if it does not exist.") { Account, tier };
        setTier.SetAction(app, async (r, ledger, o, ct) =>
        {
            o.Record(ResultJson.TierChange(await ledger.SetTierAsync(r.GetRequiredValue(Account), TierNames.Parse(r.GetValue(tier)), ct)));
            return LedgerCommand.Ok;
        });

        var since = Text("--since", "Start (ISO 8601, inclusive); default the start of the current month.");
        var until = Text("--until", "End (ISO 8601, exclusive); default the start of next month.");
        var usage = new Command("usage", "Show tokens used by charges and spends in a period, per operation.") { Account, since, until };
        usage.SetAction(app, async (r, ledger, o, ct) =>
        {
            var report = ResultJson.Usage(await ledger.GetUsageAsync(r.GetRequiredValue(Account), Dates.Parse(r.GetValue(since), "since"), Dates.Parse(r.GetValue(until), "until"), MissingUser.Refuse, ct));
            if (o.Json)
            {
                o.WriteJson(report);
            }
            else
            {
                o.Out.WriteLine($"{report["since"]} .. {report["until"]}: {report["used"]} tokens (EUR {report["used_eur"]})");
                o.List(report, "by_operation", "operation", "count", "total_tokens", "average_per_op", "cost_eur");
            }

            return LedgerCommand.Ok;
        });

        return [balance, grant, setTier, usage, HistoryCommand.Create(app, Account), LowBalanceCommand.Create(app, Account)];
    }
}
