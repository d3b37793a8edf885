using System.Text.Json;
using System.Threading.Channels;
using CycleTokens.Core;
using CycleTokens.Mcp.Tests.Support;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Scenarios;

/// <summary>
/// The original's 20 test scenarios (seed/TEST-TOKEN-ENGINE.md) replayed in order, as the original's guide runs them,
/// through the MCP tools of an operator-mode server bound to alice: the operator tools stand in for the original's
/// upgrade button, addTokens and the payment callback, and engine events arrive as logging notifications. Each step
/// says which scenario it is and what CycleTokens changed (product.md's (change) marks). The clock starts at
/// 2026-03-15T10:00Z.
/// </summary>
public sealed class OriginalScenariosThroughToolsTests
{
    [Theory]
    [InlineData(McpTestServer.Legacy)]
    [InlineData(McpTestServer.Modern)]
    public async Task OriginalScenarios_ReplayedThroughTheTools_GiveCycleTokensNumbers(string version)
    {
        var events = new EventInbox();
        await using var s = await McpTestServer.StartAsync(
            operatorMode: true,
            protocolVersion: version,
            perRequestLogLevel: version == McpTestServer.Modern ? LoggingLevel.Info : null,
            handlers: events.Handlers);
        if (version == McpTestServer.Legacy)
        {
            // 2025-11-25: events are logging notifications once the client asks for logs (2026: per-request level).
            await s.Client.SetLoggingLevelAsync(LoggingLevel.Info);
        }

        var r = new Replay(s, events);
        await Scenario01_CheckBalance(r);
        await Scenario02_SpendTokens(r);
        await Scenario03_TransactionHistory(r);
        await Scenario04_EstimateWithBatch(r);
        await Scenario05_BatchDiscount(r);
        await Scenario06_CacheDiscount(r);
        await Scenario07_PurchaseTokens(r);
        await Scenario08_UpgradeTier(r);
        await Scenario09_TierInfo(r);
        await Scenario10_HistoryExport(r);
        await Scenario11_EscrowRelease(r);
        await Scenario12_EscrowCancel(r);
        await Scenario13_MonthlyReset(r);
        await Scenario14_CostBreakdown(r);
        await Scenario15_UsageByOperation(r);
        await Scenario16_EventSubscriptions(r);
        await Scenario17_ExportData(r);
        await Scenario18_ButtonLabel(r);
        await Scenario19_PersistentData(r);
        await Scenario20_MultipleTierChanges(r);

        // Whatever happened, the ledger still balances and its hash chain holds.
        var verify = await r.OkAsync("verify_ledger");
        Assert.True(verify.GetProperty("ok").GetBoolean(), verify.GetRawText());
        Assert.True(verify.GetProperty("hash_chain_ok").GetBoolean());
    }

    private static async Task Scenario01_CheckBalance(Replay r)
    {
        // 1. Unchanged: a new user has the FREE allowance, 1,000 tokens, 0 of 1,000 used. Touching the user grants
        //    that allowance, which is itself an event (token-added from "allowance").
        var b = await r.OkAsync("get_balance");
        Assert.Equal(("alice", 1000L, "FREE", 0L, 1000L, 1000L), (b.Str("account"), b.Long("balance"), b.Str("tier"), b.Long("used_this_month"), b.Long("remaining_this_month"), b.Long("monthly_allowance")));
        var added = Assert.Single(await r.Events.ExpectAsync("token-added"));
        Assert.Equal(("allowance", 1000L), (added.Str("source"), added.Long("amount")));
    }

    private static async Task Scenario02_SpendTokens(Replay r)
    {
        // 2. Unchanged numbers: spend 10 on model.export.step → 990. The original's { fileSize: 2.5 } is the metadata.
        var spend = await r.OkAsync("spend_tokens", """{"amount":10,"operation":"model.export.step","metadata":{"fileSize":2.5}}""");
        Assert.Equal(990, spend.Long("balance_after"));
        Assert.Equal(990, (await r.OkAsync("get_balance")).Long("balance"));
        var spent = Assert.Single(await r.Events.ExpectAsync("token-spent"));
        Assert.Equal((10L, "model.export.step", 990L), (spent.Long("amount"), spent.Str("operation"), spent.Long("balance")));

        // "Recent activity" shows the spend.
        var recent = Assert.Single((await r.OkAsync("get_transaction_history", """{"limit":1}""")).GetProperty("transactions").EnumerateArray());
        Assert.Equal(("model.export.step", "debit", 10L, 990L), (recent.Str("operation"), recent.Str("type"), recent.Long("amount"), recent.Long("balance_after")));
        Assert.Equal("""{"fileSize":2.5}""", recent.GetProperty("metadata").GetRawText());
    }

    private static async Task Scenario03_TransactionHistory(Replay r)
    {
        // 3. Changed: the allowance is itself a journal transaction, so limit 5 holds the spend and the allowance;
        //    the debit filter gives the original's single entry.
        var all = await r.OkAsync("get_transaction_history", """{"limit":5}""");
        Assert.Equal(["spend", "allowance"], all.GetProperty("transactions").EnumerateArray().Select(t => t.Str("kind")));
        var debit = Assert.Single((await r.OkAsync("get_transaction_history", """{"limit":5,"type":"debit"}""")).GetProperty("transactions").EnumerateArray());
        Assert.Equal(10, debit.Long("amount"));
    }

    private static async Task Scenario04_EstimateWithBatch(Replay r)
    {
        // 4. Changed (batch discount covers a quantity): STEP ×10 is ceil(10 × 10 × 75 / 100) = 75 tokens (€0.75) for
        //    all ten, not the original's "Final: 7 tokens" for one. An estimate moves nothing.
        var e = await r.OkAsync("estimate_operation", """{"operation":"model.export.step","quantity":10}""");
        Assert.Equal((10L, 25L, 75L, "0.75", true), (e.Long("base_price"), e.Long("batch_discount_pct"), e.Long("total_price"), e.Str("total_eur"), e.GetProperty("affordable").GetBoolean()));
        Assert.Equal(990, (await r.OkAsync("get_balance")).Long("balance"));
    }

    private static async Task Scenario05_BatchDiscount(Replay r)
    {
        // 5. Changed: STL ×1 = 2 as before; STL ×10 = ceil(2 × 10 × 0.75) = 15 (original: 2); STEP ×100 =
        //    ceil(10 × 100 × 0.5) = 500 (original: 5). A charge of STL ×10 is charged the estimated 15.
        Assert.Equal(2, (await r.OkAsync("estimate_operation", """{"operation":"model.export.stl"}""")).Long("total_price"));
        Assert.Equal(15, (await r.OkAsync("estimate_operation", """{"operation":"model.export.stl","quantity":10}""")).Long("total_price"));
        Assert.Equal(500, (await r.OkAsync("estimate_operation", """{"operation":"model.export.step","quantity":100}""")).Long("total_price"));
        var charge = await r.OkAsync("charge_for_operation", """{"operation":"model.export.stl","quantity":10}""");
        Assert.Equal((15L, 25L, 975L), (charge.Long("charged"), charge.Long("batch_discount_pct"), charge.Long("balance_after")));
        await r.Events.ExpectAsync("token-spent");
    }

    private static async Task Scenario06_CacheDiscount(Replay r)
    {
        // 6. Unchanged numbers: 10, then a repeat within 24 hours pays ceil(10 × 10 / 100) = 1. "Wait 24h" is the
        //    fake clock; afterwards the price is 10 again.
        var first = await r.OkAsync("charge_for_operation", """{"operation":"model.export.step","params":{}}""");
        var repeat = await r.OkAsync("charge_for_operation", """{"operation":"model.export.step","params":{}}""");
        r.Server.Clock.Advance(TimeSpan.FromHours(24)); // 2026-03-16T10:00Z
        var later = await r.OkAsync("estimate_operation", """{"operation":"model.export.step","params":{}}""");
        Assert.Equal((10L, false), (first.Long("charged"), first.GetProperty("cached").GetBoolean()));
        Assert.Equal((1L, true, 964L), (repeat.Long("charged"), repeat.GetProperty("cached").GetBoolean(), repeat.Long("balance_after")));
        Assert.Equal((10L, false), (later.Long("total_price"), later.GetProperty("cached").GetBoolean()));
        await r.Events.ExpectAsync("token-spent", "token-spent");
    }

    private static async Task Scenario07_PurchaseTokens(Replay r)
    {
        // 7. Changed: buying starts a pending checkout and credits nothing; only the operator's completion credits the
        //    purchase's own 2,000 tokens, once. Packs 1K €10, 5K €50, 10K €90; the custom 2,000 is €20.00.
        var custom = await r.OkAsync("purchase_tokens", """{"tokens":2000,"method":"card"}""");
        Assert.Equal(("pending", 2000L, "20.00"), (custom.Str("status"), custom.Long("tokens"), custom.Str("amount_eur")));
        Assert.False(string.IsNullOrEmpty(custom.Str("checkout_url")));
        var packs = new List<string>();
        foreach (var tokens in new[] { 1000, 5000, 10_000 })
        {
            packs.Add((await r.OkAsync("purchase_tokens", $$"""{"tokens":{{tokens}},"method":"card"}""")).Str("amount_eur"));
        }

        Assert.Equal(["10.00", "50.00", "90.00"], packs);
        Assert.Equal(964, (await r.OkAsync("get_balance")).Long("balance"));
        await r.Events.ExpectAsync("purchase-initiated", "purchase-initiated", "purchase-initiated", "purchase-initiated");

        var id = $$"""{"purchase_id":"{{custom.Str("purchase_id")}}"}""";
        var completed = await r.OkAsync("complete_purchase", id);
        var again = await r.OkAsync("complete_purchase", id);
        Assert.Equal(("completed", 2964L), (completed.Str("status"), completed.Long("balance_after")));
        Assert.Equal(2964, again.Long("balance_after"));
        var added = Assert.Single(await r.Events.ExpectAsync("token-added"));
        Assert.Equal(("purchase", 2000L), (added.Str("source"), added.Long("amount")));
    }

    private static async Task Scenario08_UpgradeTier(Replay r)
    {
        // 8. Changed: the original reset the balance to 10,000, destroying bought tokens. Now the FREE allowance left
        //    (964) expires, PRO's 10,000 is granted at once, and the 2,000 purchased stay: 12,000.
        var change = await r.OkAsync("set_tier", """{"account":"alice","tier":"PRO"}""");
        Assert.Equal(("FREE", "PRO", 10_000L, 12_000L), (change.Str("old_tier"), change.Str("tier"), change.Long("monthly_allowance"), change.Long("balance")));
        var b = await r.OkAsync("get_balance");
        Assert.Equal((12_000L, 10_000L, 2_000L, "PRO"), (b.Long("balance"), b.Long("allowance_balance"), b.Long("purchased_balance"), b.Str("tier")));
        Assert.Equal(964, await r.AccountBalanceAsync("system", "system:expired"));
        var changed = Assert.Single(await r.Events.ExpectAsync("tier-changed"));
        Assert.Equal(("FREE", "PRO"), (changed.Str("old_tier"), changed.Str("tier")));
    }

    private static async Task Scenario09_TierInfo(Replay r)
    {
        // 9. Unchanged terms: PRO, 10,000 tokens a month, €49, royalty 80 (a percentage, not 0.8).
        var tier = await r.OkAsync("get_tier");
        Assert.Equal(("PRO", 10_000L, "49.00", 80L), (tier.Str("tier"), tier.Long("monthly_allowance"), tier.Str("price_eur_per_month"), tier.Long("creator_royalty_pct")));
        Assert.Equal(["FREE", "PRO", "ENTERPRISE"], tier.GetProperty("tiers").EnumerateArray().Select(t => t.Str("tier")));
    }

    private static async Task Scenario10_HistoryExport(Replay r)
    {
        // 10. Changed: the server supplies the CSV (oldest first, RFC 4180) with id, kind and counterparty columns;
        //     the modal's newest-first table is get_transaction_history. Both hold every transaction.
        var csv = await r.OkAsync("export_transactions");
        var history = await r.OkAsync("get_transaction_history", """{"limit":1000}""");
        var lines = csv.Str("content").Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("date,transaction_id,type,kind,operation,amount,balance_after,counterparty", lines[0]);
        Assert.Equal(history.GetProperty("transactions").GetArrayLength(), csv.Long("rows"));
        Assert.Equal(csv.Long("rows") + 1, lines.Length);
        Assert.Contains(",allowance,", lines[1], StringComparison.Ordinal);
    }

    private static async Task Scenario11_EscrowRelease(Replay r)
    {
        // 11. Changed: release credits fab:fab_shop_456 (the original credited nobody). On PRO with 12,000, holding
        //     500 leaves 11,500 (the original's "990 - 500 = 490" came from its reset-on-upgrade numbers).
        var created = await r.OkAsync("create_escrow", """{"amount":500,"job_id":"job_fab_123","fab_id":"fab_shop_456","metadata":{"service":"CNC milling","est_cost":"$50"}}""");
        Assert.Equal(("held", 500L, 11_500L), (created.Str("status"), created.Long("amount"), created.Long("balance_after")));
        var id = $$"""{"escrow_id":"{{created.Str("escrow_id")}}"}""";
        Assert.Equal("held", (await r.OkAsync("get_escrow", id)).Str("status"));
        Assert.Equal("released", (await r.OkAsync("release_escrow", id)).Str("status"));
        Assert.Equal(11_500, (await r.OkAsync("get_balance")).Long("balance"));
        Assert.Equal(500, await r.AccountBalanceAsync("fab", "fab:fab_shop_456"));
        var escrowHistory = await r.OkAsync("get_transaction_history", """{"limit":10,"kind":"escrow"}""");
        Assert.Equal(["escrow_release", "escrow_hold"], escrowHistory.GetProperty("transactions").EnumerateArray().Select(t => t.Str("type")));
        await r.Events.ExpectAsync("escrow-created", "escrow-released");
    }

    private static async Task Scenario12_EscrowCancel(Replay r)
    {
        // 12. Clarified: the original compared with the balance taken after the hold; the tokens come back, so the
        //     balance after cancelling equals the one before the hold.
        var before = (await r.OkAsync("get_balance")).Long("balance");
        var created = await r.OkAsync("create_escrow", """{"amount":100,"job_id":"job2","fab_id":"fab2"}""");
        var cancelled = await r.OkAsync("cancel_escrow", $$"""{"escrow_id":"{{created.Str("escrow_id")}}"}""");
        Assert.Equal(before - 100, created.Long("balance_after"));
        Assert.Equal(("cancelled", before), (cancelled.Str("status"), cancelled.Long("balance_after")));
        await r.Events.ExpectAsync("escrow-created", "escrow-cancelled");
    }

    private static async Task Scenario13_MonthlyReset(Replay r)
    {
        // 13. Changed: only the allowance expires and renews; purchased tokens are kept (the original restored the
        //     whole balance to the tier allowance). The month turns on the fake clock, not by editing storage.
        Assert.Equal("PRO", (await r.OkAsync("get_tier")).Str("tier"));
        await r.OkAsync("spend_tokens", """{"amount":5,"operation":"test"}""");
        await r.Events.ExpectAsync("token-spent");
        // This month: 10 + 15 + 10 + 1 + 5 (escrows are not usage).
        Assert.Equal(41, (await r.OkAsync("get_usage")).Long("used"));

        r.Server.Clock.Advance(TimeSpan.FromDays(16)); // 2026-04-01T10:00Z
        var b = await r.OkAsync("get_balance");
        Assert.Equal((12_000L, 10_000L, 2_000L, 0L), (b.Long("balance"), b.Long("allowance_balance"), b.Long("purchased_balance"), b.Long("used_this_month")));
        var reset = Assert.Single(await r.Events.ExpectAsync("month-reset"));
        Assert.Equal((9_495L, 10_000L), (reset.Long("expired"), reset.Long("allowance")));
    }

    private static async Task Scenario14_CostBreakdown(Replay r)
    {
        // 14. Unchanged content (operation, count, total, average, euros), ordered by tokens, most first.
        await r.OkAsync("spend_tokens", """{"amount":2,"operation":"model.export.stl"}""");
        await r.OkAsync("spend_tokens", """{"amount":10,"operation":"model.export.step"}""");
        await r.OkAsync("spend_tokens", """{"amount":15,"operation":"ai.design_review"}""");
        await r.Events.ExpectAsync("token-spent", "token-spent", "token-spent");
        var usage = await r.OkAsync("get_usage");
        Assert.Equal(27, usage.Long("used"));
        Assert.Equal(
            [("ai.design_review", 1L, 15L, 15L, "0.15"), ("model.export.step", 1L, 10L, 10L, "0.10"), ("model.export.stl", 1L, 2L, 2L, "0.02")],
            usage.GetProperty("by_operation").EnumerateArray().Select(o => (o.Str("operation"), o.Long("count"), o.Long("total_tokens"), o.Long("average_per_op"), o.Str("cost_eur"))));
    }

    private static async Task Scenario15_UsageByOperation(Replay r)
    {
        // 15. Unchanged: counts and totals per operation; here two catalogue charges join the spends of 14
        //     (the March charges are more than 24 hours old, so no cache discount).
        await r.OkAsync("charge_for_operation", """{"operation":"model.export.stl"}""");
        await r.OkAsync("charge_for_operation", """{"operation":"model.export.step"}""");
        await r.Events.ExpectAsync("token-spent", "token-spent");
        var byOperation = (await r.OkAsync("get_usage")).GetProperty("by_operation").EnumerateArray().ToDictionary(o => o.Str("operation"), o => (o.Long("count"), o.Long("total_tokens")));
        Assert.Equal((2L, 4L), byOperation["model.export.stl"]);
        Assert.Equal((2L, 20L), byOperation["model.export.step"]);
    }

    private static async Task Scenario16_EventSubscriptions(Replay r)
    {
        // 16. Changed: listeners are MCP logging notifications (logger cycletokens.events); the original's
        //     addTokens(100, 'bonus') is the operator's grant_tokens (agents cannot create tokens).
        await r.OkAsync("spend_tokens", """{"amount":5,"operation":"test"}""");
        var spent = Assert.Single(await r.Events.ExpectAsync("token-spent"));
        await r.OkAsync("grant_tokens", """{"account":"alice","amount":100,"source":"bonus"}""");
        var added = Assert.Single(await r.Events.ExpectAsync("token-added"));
        Assert.Equal("Spent 5 tokens on test", $"Spent {spent.Long("amount")} tokens on {spent.Str("operation")}");
        Assert.Equal("Added 100 tokens from bonus", $"Added {added.Long("amount")} tokens from {added.Str("source")}");
    }

    private static async Task Scenario17_ExportData(Replay r)
    {
        // 17. Changed: the export carries the balance with its parts and the number of cached operations (charged
        //     within 24 hours: today's stl and step) instead of the raw cache.
        var export = await r.OkAsync("export_account_data");
        var history = await r.OkAsync("get_transaction_history", """{"limit":1000}""");
        Assert.Equal((12_056L, "PRO", "2026-04-01T00:00:00.000Z"), (export.Long("balance"), export.Str("tier"), export.Str("month_start")));
        Assert.Equal(history.GetProperty("transactions").GetArrayLength(), export.GetProperty("transactions").GetArrayLength());
        Assert.Equal(2, export.GetProperty("escrows").GetArrayLength());
        Assert.Equal(2, export.Long("cached_operations"));
    }

    private static async Task Scenario18_ButtonLabel(Replay r)
    {
        // 18. Reduced: the "Tokens" label is UI; the server supplies the numbers after spending 10 and adding 1,000.
        var spent = await r.OkAsync("spend_tokens", """{"amount":10,"operation":"model.export.step"}""");
        var granted = await r.OkAsync("grant_tokens", """{"account":"alice","amount":1000,"source":"bonus"}""");
        Assert.Equal((12_046L, 13_046L), (spent.Long("balance_after"), granted.Long("balance_after")));
        await r.Events.ExpectAsync("token-spent", "token-added");
    }

    private static async Task Scenario19_PersistentData(Replay r)
    {
        // 19. Changed: localStorage is the SQLite file. "Refresh the page" is another connection opening the file,
        //     as a second server process would: it sees the same balance, parts, tier and history.
        var b = await r.OkAsync("get_balance");
        var history = await r.OkAsync("get_transaction_history", """{"limit":1000}""");
        using var reopened = TokenLedger.Open(new LedgerOptions { DatabasePath = r.Server.DatabasePath }, r.Server.Clock);
        var stored = await reopened.GetBalanceAsync("alice");
        var storedHistory = await reopened.GetHistoryAsync("alice", new Core.History.HistoryQuery { Limit = 1000 });
        Assert.Equal((13_046L, 9_946L, 3_100L, "PRO"), (stored.Total, stored.Allowance, stored.Purchased, stored.Tier.Name));
        Assert.Equal((b.Long("balance"), b.Long("allowance_balance"), b.Long("purchased_balance")), (stored.Total, stored.Allowance, stored.Purchased));
        Assert.Equal(history.GetProperty("transactions").EnumerateArray().Select(t => t.Str("id")), storedHistory.Transactions.Select(t => t.Id));
    }

    private static async Task Scenario20_MultipleTierChanges(Replay r)
    {
        // 20. Changed: the original reset the balance to 1,000 / 10,000 / 100,000 / 1,000. Each change now expires the
        //     allowance left and grants the new tier's, so the 3,100 purchased tokens stay on top. We are on PRO after
        //     scenario 8, so the replay goes to FREE first, then the original's FREE → PRO → ENTERPRISE → FREE.
        long[] balances =
        [
            (await r.OkAsync("set_tier", """{"account":"alice","tier":"FREE"}""")).Long("balance"),
            (await r.OkAsync("set_tier", """{"account":"alice","tier":"PRO"}""")).Long("balance"),
            (await r.OkAsync("set_tier", """{"account":"alice","tier":"ENTERPRISE"}""")).Long("balance"),
            (await r.OkAsync("set_tier", """{"account":"alice","tier":"FREE"}""")).Long("balance"),
        ];
        Assert.Equal([4_100L, 13_100L, 103_100L, 4_100L], balances);
        var changes = await r.Events.ExpectAsync("tier-changed", "tier-changed", "tier-changed", "tier-changed");
        Assert.Equal(103_100, changes.Single(e => e.Str("tier") == "ENTERPRISE").Long("balance"));

        // Setting the same tier again changes nothing (and raises no event: the next one seen is the spend below).
        var same = await r.OkAsync("set_tier", """{"account":"alice","tier":"FREE"}""");
        Assert.Equal((false, 4_100L), (same.GetProperty("changed").GetBoolean(), same.Long("balance")));
        Assert.Equal("FREE", (await r.OkAsync("get_tier")).Str("tier"));
        await r.OkAsync("spend_tokens", """{"amount":1,"operation":"test"}""");
        await r.Events.ExpectAsync("token-spent");
    }

    /// <summary>The server, its client and the events received so far.</summary>
    private sealed class Replay(McpTestServer server, EventInbox events)
    {
        public McpTestServer Server => server;

        public EventInbox Events => events;

        public Task<JsonElement> OkAsync(string tool, string argumentsJson = "{}") => server.CallOkAsync(tool, argumentsJson);

        /// <summary>An account's balance as the operator's list_accounts shows it.</summary>
        public async Task<long> AccountBalanceAsync(string kind, string account)
        {
            var page = await OkAsync("list_accounts", $$"""{"kind":"{{kind}}","limit":1000}""");
            return page.GetProperty("accounts").EnumerateArray().Single(a => a.Str("account") == account).Long("balance");
        }
    }

    /// <summary>
    /// Engine events received as <c>notifications/message</c> from logger <c>cycletokens.events</c>. The client
    /// dispatches notifications concurrently, so a step awaits the events it expects and compares them as a multiset.
    /// </summary>
    private sealed class EventInbox
    {
        private readonly Channel<JsonElement> _events = Channel.CreateUnbounded<JsonElement>();

        public McpClientHandlers Handlers => new()
        {
            NotificationHandlers =
            [
                new(NotificationMethods.LoggingMessageNotification, (notification, _) =>
                {
                    var message = JsonSerializer.Deserialize<LoggingMessageNotificationParams>(notification.Params, McpJsonUtilities.DefaultOptions);
                    if (message is { Logger: "cycletokens.events" })
                    {
                        _events.Writer.TryWrite(message.Data.Clone());
                    }

                    return ValueTask.CompletedTask;
                }),
            ],
        };

        /// <summary>Waits for the next events, which must be exactly these names in any order.</summary>
        public async Task<IReadOnlyList<JsonElement>> ExpectAsync(params string[] names)
        {
            var received = new List<JsonElement>();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (received.Count < names.Length)
            {
                received.Add(await _events.Reader.ReadAsync(timeout.Token));
            }

            Assert.Equal(names.Order(StringComparer.Ordinal), received.Select(e => e.Str("event")).Order(StringComparer.Ordinal));
            Assert.All(received, e => Assert.Equal("alice", e.Str("account")));
            return received;
        }
    }
}

/// <summary>Short reads of tool results and event data.</summary>
file static class ResultReads
{
    public static long Long(this JsonElement e, string name) => e.GetProperty(name).GetInt64();

    public static string Str(this JsonElement e, string name) => e.GetProperty(name).GetString() ?? string.Empty;
}
