using System.Text.Json;
using CycleTokens.Core.Accounts;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Events;
using CycleTokens.Core.History;
using CycleTokens.Core.Purchases;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Scenarios;

/// <summary>
/// The engine-level parts of the original's 20 test scenarios (seed/TEST-TOKEN-ENGINE.md), one test each, with
/// CycleTokens' numbers where product.md marks a (change). UI-only steps are reduced to what the engine supplies.
/// </summary>
public sealed class OriginalScenarioTests
{
    private const string User = "alice";

    [Fact]
    public async Task Scenario01_CheckBalance_NewUserHasTheFreeAllowance()
    {
        // Unchanged: a new user starts on FREE with 1,000 tokens, 0 of 1,000 used.
        using var t = new TestLedger();

        var balance = await t.Ledger.GetBalanceAsync(User);

        Assert.Equal(1000, balance.Total);
        Assert.Equal(Tier.Free, balance.Tier.Tier);
        Assert.Equal(0, balance.UsedThisMonth);
        Assert.Equal(1000, balance.RemainingThisMonth);
    }

    [Fact]
    public async Task Scenario02_SpendTokens_BalanceDropsAndActivityShowsTheSpend()
    {
        // Unchanged numbers. The original's { fileSize: 2.5 } becomes the spend's metadata (a JSON object).
        using var t = new TestLedger();

        var spend = await t.Ledger.SpendAsync(User, 10, "model.export.step", TestLedger.Json("""{"fileSize":2.5}"""));
        var balance = await t.Ledger.GetBalanceAsync(User);
        var recent = await t.Ledger.GetHistoryAsync(User, new HistoryQuery { Limit = 1 });

        Assert.Equal(990, spend.BalanceAfter);
        Assert.Equal(990, balance.Total);
        var entry = Assert.Single(recent.Transactions);
        Assert.Equal(("model.export.step", TransactionType.Debit, 10L, 990L), (entry.Operation, entry.Type, entry.Amount, entry.BalanceAfter));
        Assert.Equal("""{"fileSize":2.5}""", entry.Metadata);
    }

    [Fact]
    public async Task Scenario03_TransactionHistory_HoldsTheOneDebit()
    {
        // Changed: the month's allowance is itself a journal transaction (every movement is recorded, section 6),
        // so history with limit 5 holds the spend and the allowance credit; the debit filter gives the original's one entry.
        using var t = new TestLedger();
        await t.Ledger.SpendAsync(User, 10, "model.export.step");

        var all = await t.Ledger.GetHistoryAsync(User, new HistoryQuery { Limit = 5 });
        var debits = await t.Ledger.GetHistoryAsync(User, new HistoryQuery { Limit = 5, Type = TransactionType.Debit });

        Assert.Equal([TransactionKind.Spend, TransactionKind.Allowance], all.Transactions.Select(r => r.Kind));
        var debit = Assert.Single(debits.Transactions);
        Assert.Equal(10, debit.Amount);
    }

    [Fact]
    public async Task Scenario04_EstimateStepBatchOfTen_Is75TokensForAllTen()
    {
        // Changed (section 4, batch discount): the original quoted "Final: 7 tokens" for a batch of 10 while
        // charging for one operation. The quantity is now charged: ceil(10 × 10 × 75 / 100) = 75 tokens (€0.75).
        using var t = new TestLedger();

        var estimate = await t.Ledger.EstimateAsync(User, "model.export.step", quantity: 10);

        Assert.Equal(10, estimate.BasePrice);
        Assert.Equal(25, estimate.BatchDiscountPct);
        Assert.Equal(75, estimate.TotalPrice);
        Assert.Equal("0.75", estimate.TotalEur);
        Assert.True(estimate.Affordable);
        Assert.Equal(1000, (await t.Ledger.GetBalanceAsync(User)).Total); // an estimate moves nothing
    }

    [Fact]
    public async Task Scenario05_BatchDiscount_AppliesToTheWholeQuantity()
    {
        // Changed (section 4): stl ×1 = 2 as before; stl ×10 = ceil(2 × 10 × 0.75) = 15 (the original: 2 for one op);
        // step ×100 = ceil(10 × 100 × 0.5) = 500 (the original: 5, i.e. 50% off a single operation).
        using var t = new TestLedger();

        var one = await t.Ledger.EstimateAsync(User, "model.export.stl");
        var ten = await t.Ledger.EstimateAsync(User, "model.export.stl", quantity: 10);
        var hundred = await t.Ledger.EstimateAsync(User, "model.export.step", quantity: 100);
        var charged = await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.step") { Quantity = 100 });

        Assert.Equal((2L, 0), (one.TotalPrice, one.BatchDiscountPct));
        Assert.Equal((15L, 25), (ten.TotalPrice, ten.BatchDiscountPct));
        Assert.Equal((500L, 50), (hundred.TotalPrice, hundred.BatchDiscountPct));
        Assert.Equal(500, charged.Charged);
        Assert.Equal(500, charged.BalanceAfter);
    }

    [Fact]
    public async Task Scenario06_CacheDiscount_RepeatWithin24HoursPaysTenPercent()
    {
        // Unchanged numbers (10, then ceil(10 × 10 / 100) = 1). The original's "wait 24h or clear localStorage"
        // is the fake clock moving past the 24-hour window.
        using var t = new TestLedger();

        var first = await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.step") { Params = TestLedger.Json("{}") });
        var repeat = await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.step") { Params = TestLedger.Json("{}") });
        t.Clock.Advance(TimeSpan.FromHours(24));
        var later = await t.Ledger.EstimateAsync(User, "model.export.step", TestLedger.Json("{}"));

        Assert.Equal((10L, false), (first.Charged, first.Cached));
        Assert.Equal((1L, true), (repeat.Charged, repeat.Cached));
        Assert.Equal((10L, false), (later.TotalPrice, later.Cached));
    }

    [Fact]
    public async Task Scenario07_PurchaseTokens_PacksAndCustomAmountStartPendingCheckouts()
    {
        // Changed (section 8): a purchase creates a pending checkout and credits nothing; only the operator's
        // completion credits the purchase's own token count. Packs 1K €10, 5K €50, 10K €90; 2,000 custom = €20.
        using var t = new TestLedger();

        var custom = await t.Ledger.CreatePurchaseAsync(User, 2000, "card");
        var packs = new List<string>();
        foreach (var tokens in new long[] { 1000, 5000, 10_000 })
        {
            packs.Add((await t.Ledger.CreatePurchaseAsync(User, tokens, "card")).Purchase.AmountEur);
        }

        Assert.Equal(["10.00", "50.00", "90.00"], packs);
        Assert.Equal(PurchaseStatus.Pending, custom.Purchase.Status);
        Assert.Equal(2000, custom.Purchase.Tokens);
        Assert.Equal("20.00", custom.Purchase.AmountEur);
        Assert.Equal("https://checkout.cycletokens.invalid/pay/" + custom.Purchase.Id, custom.Purchase.CheckoutUrl);
        Assert.Equal(1000, (await t.Ledger.GetBalanceAsync(User)).Total);

        var completed = await t.Ledger.CompletePurchaseAsync(custom.Purchase.Id);

        Assert.Equal(3000, completed.BalanceAfter);
        Assert.Equal(2000, (await t.Ledger.GetBalanceAsync(User)).Purchased);
    }

    [Fact]
    public async Task Scenario08_UpgradeToPro_GrantsTheProAllowanceAndKeepsPurchasedTokens()
    {
        // Changed (section 3): the original reset the balance to 10,000, destroying bought tokens. Now the FREE
        // allowance left expires, PRO's 10,000 is granted at once, and purchased tokens stay.
        using var t = new TestLedger();
        await t.Ledger.GrantAsync(User, 250, "bonus");
        await t.Ledger.SpendAsync(User, 100, "model.export.step");

        var change = await t.Ledger.SetTierAsync(User, Tier.Pro);
        var balance = await t.Ledger.GetBalanceAsync(User);

        Assert.True(change.Changed);
        Assert.Equal(10_250, change.Balance);
        Assert.Equal((10_250L, 10_000L, 250L), (balance.Total, balance.Allowance, balance.Purchased));
        Assert.Equal("PRO", balance.Tier.Name);
        Assert.Equal(900, RawDb.Scalar(t.DatabasePath, "SELECT balance FROM accounts WHERE id = 'system:expired'"));
    }

    [Fact]
    public async Task Scenario09_TierInfo_ShowsProTerms()
    {
        // Unchanged terms: PRO, 10,000 tokens a month, 80% royalty (a percentage, not 0.8), €49.
        using var t = new TestLedger();
        await t.Ledger.SetTierAsync(User, Tier.Pro);

        var tier = (await t.Ledger.GetBalanceAsync(User)).Tier;

        Assert.Equal(new TierInfo(Tier.Pro, "PRO", 10_000, "49.00", 80), tier);
    }

    [Fact]
    public async Task Scenario10_HistoryExport_CsvHasEveryTransactionWithTheOriginalsColumns()
    {
        // Changed: the engine supplies the CSV (RFC 4180, formula cells neutralised, section 9) oldest first;
        // the modal's reverse-chronological table is the history. Columns now include id, kind and counterparty.
        using var t = new TestLedger();
        await t.Ledger.SpendAsync(User, 10, "model.export.step");
        await t.Ledger.GrantAsync(User, 1000, "bonus");
        await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.stl"));

        var csv = await t.Ledger.ExportCsvAsync(User);
        var history = await t.Ledger.GetHistoryAsync(User, new HistoryQuery());

        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("date,transaction_id,type,kind,operation,amount,balance_after,counterparty", lines[0]);
        Assert.Equal(history.Transactions.Count + 1, lines.Length);
        Assert.Equal("2026-03-15T10:00:00.000Z,tx_000004,debit,charge,model.export.stl,2,1988,platform", lines[^1]);
        Assert.Equal([TransactionKind.Charge, TransactionKind.Grant, TransactionKind.Spend, TransactionKind.Allowance], history.Transactions.Select(r => r.Kind));
    }

    [Fact]
    public async Task Scenario11_Escrow_HoldsThenReleaseCreditsTheFabShop()
    {
        // Changed (section 7): release now credits fab:fab_shop_456 (the original credited nobody). The original's
        // "990 - 500 = 490 (if on PRO)" is read as: a FREE user who spent 10 holds 500 and keeps 490.
        using var t = new TestLedger();
        await t.Ledger.SpendAsync(User, 10, "model.export.step");

        var created = await t.Ledger.CreateEscrowAsync(
            User, new EscrowRequest(500, "job_fab_123", "fab_shop_456") { Metadata = TestLedger.Json("""{"service":"CNC milling","est_cost":"$50"}""") });
        var status = await t.Ledger.GetEscrowAsync(User, created.Escrow.Id);
        var released = await t.Ledger.ReleaseEscrowAsync(User, created.Escrow.Id);
        var history = await t.Ledger.GetHistoryAsync(User, new HistoryQuery { Limit = 10, Kind = TransactionKind.Escrow });

        Assert.Equal((500L, EscrowStatus.Held), (created.Escrow.Amount, created.Escrow.Status));
        Assert.Equal(490, created.BalanceAfter);
        Assert.Equal(EscrowStatus.Held, status.Status);
        Assert.Equal(EscrowStatus.Released, released.Escrow.Status);
        Assert.Equal(490, (await t.Ledger.GetBalanceAsync(User)).Total);
        Assert.Equal(500, RawDb.Scalar(t.DatabasePath, "SELECT balance FROM accounts WHERE id = 'fab:fab_shop_456'"));
        Assert.Equal([TransactionType.EscrowRelease, TransactionType.EscrowHold], history.Transactions.Select(r => r.Type));
    }

    [Fact]
    public async Task Scenario12_CancelEscrow_ReturnsTheTokens()
    {
        // Clarified: the original compared the balance after cancelling with the balance taken after creating,
        // which only holds if nothing is returned. The tokens come back, so the balance equals the one before the hold.
        using var t = new TestLedger();
        var beforeHold = (await t.Ledger.GetBalanceAsync(User)).Total;
        var escrow = await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(100, "job2", "fab2"));
        var whileHeld = (await t.Ledger.GetBalanceAsync(User)).Total;

        var cancelled = await t.Ledger.CancelEscrowAsync(User, escrow.Escrow.Id);

        Assert.Equal(900, whileHeld);
        Assert.Equal(EscrowStatus.Cancelled, cancelled.Escrow.Status);
        Assert.Equal(beforeHold, cancelled.BalanceAfter);
        Assert.Equal(beforeHold, (await t.Ledger.GetBalanceAsync(User)).Total);
    }

    [Fact]
    public async Task Scenario13_MonthlyReset_RenewsTheAllowanceAndKeepsPurchasedTokens()
    {
        // Changed (section 2/3): the original restored the whole balance to the tier allowance; now only the
        // allowance expires and renews, purchased tokens are kept. The month turns on the fake clock, not by editing storage.
        using var t = new TestLedger();
        await t.Ledger.GrantAsync(User, 300, "bonus");
        await t.Ledger.SpendAsync(User, 5, "test");
        Assert.Equal(5, (await t.Ledger.GetUsageAsync(User)).Used);
        t.Events.Clear();
        t.Clock.Advance(TimeSpan.FromDays(17)); // 2026-04-01T10:00Z

        var balance = await t.Ledger.GetBalanceAsync(User);

        Assert.Equal((1300L, 1000L, 300L), (balance.Total, balance.Allowance, balance.Purchased));
        Assert.Equal(0, balance.UsedThisMonth);
        var reset = Assert.Single(t.Events);
        Assert.Equal(LedgerEventNames.MonthReset, reset.Name);
        Assert.Equal(995L, reset.Data["expired"]);
    }

    [Fact]
    public async Task Scenario14_CostBreakdown_PerOperationCountTotalAverageAndEuros()
    {
        // Unchanged content; ordered by tokens, most first.
        using var t = new TestLedger();
        await t.Ledger.SpendAsync(User, 2, "model.export.stl");
        await t.Ledger.SpendAsync(User, 10, "model.export.step");
        await t.Ledger.SpendAsync(User, 15, "ai.design_review");

        var usage = await t.Ledger.GetUsageAsync(User);

        Assert.Equal(
            [
                ("ai.design_review", 1L, 15L, 15L, "0.15"),
                ("model.export.step", 1L, 10L, 10L, "0.10"),
                ("model.export.stl", 1L, 2L, 2L, "0.02"),
            ],
            usage.ByOperation.Select(o => (o.Operation, o.Count, o.TotalTokens, o.AveragePerOp, o.CostEur)));
        Assert.Equal(27, usage.Used);
    }

    [Fact]
    public async Task Scenario15_UsageByOperation_CountsAndTotals()
    {
        // Unchanged: { 'model.export.stl': { count: 1, totalTokens: 2 }, ... }, here with charges at catalogue prices.
        using var t = new TestLedger();
        await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.stl"));
        await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.step"));

        var usage = await t.Ledger.GetUsageAsync(User);

        var stl = Assert.Single(usage.ByOperation, o => o.Operation == "model.export.stl");
        Assert.Equal((1L, 2L), (stl.Count, stl.TotalTokens));
        var step = Assert.Single(usage.ByOperation, o => o.Operation == "model.export.step");
        Assert.Equal((1L, 10L), (step.Count, step.TotalTokens));
    }

    [Fact]
    public async Task Scenario16_EventSubscriptions_SpentAndAdded()
    {
        // Changed: subscriptions are TokenLedger.EventRaised; the original's addTokens(100, 'bonus') is the
        // operator's GrantAsync (agents cannot create tokens, section 12). A new user's first allowance also
        // raises token-added (source "allowance") before the spend.
        using var t = new TestLedger();
        var messages = new List<string>();
        t.Ledger.EventRaised += (_, e) =>
        {
            if (e.Name == LedgerEventNames.TokenSpent)
            {
                messages.Add($"Spent {e.Data["amount"]} tokens on {e.Data["operation"]}");
            }
            else if (e.Name == LedgerEventNames.TokenAdded)
            {
                messages.Add($"Added {e.Data["amount"]} tokens from {e.Data["source"]}");
            }
        };

        await t.Ledger.SpendAsync(User, 5, "test");
        await t.Ledger.GrantAsync(User, 100, "bonus");

        Assert.Equal(["Added 1000 tokens from allowance", "Spent 5 tokens on test", "Added 100 tokens from bonus"], messages);
    }

    [Fact]
    public async Task Scenario17_ExportData_HoldsBalanceTierMonthLedgerEscrowsAndCache()
    {
        // Changed: the export carries the balance with its parts, and the number of cached operations rather than
        // the raw cache; it serialises to JSON.
        using var t = new TestLedger();
        await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.step"));
        await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(100, "job", "fab"));

        var export = await t.Ledger.ExportAccountAsync(User);
        var json = JsonSerializer.Serialize(export);

        Assert.Equal(890, export.Balance.Total);
        Assert.Equal(Tier.Free, export.Balance.Tier.Tier);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), export.Balance.MonthStart);
        Assert.Equal(3, export.Transactions.Count);
        Assert.Single(export.Escrows);
        Assert.Equal(1, export.CachedOperations);
        Assert.Contains("\"CachedOperations\":1", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scenario18_ButtonLabel_EngineSuppliesTheBalanceAfterSpendingAndGranting()
    {
        // Reduced: the "990 Tokens" / "1.99K Tokens" label is UI; the engine supplies 990 and 1,990.
        // Adding 1,000 tokens is the operator's grant.
        using var t = new TestLedger();

        var spent = await t.Ledger.SpendAsync(User, 10, "model.export.step");
        var granted = await t.Ledger.GrantAsync(User, 1000, "bonus");

        Assert.Equal(990, spent.BalanceAfter);
        Assert.Equal(1990, granted.BalanceAfter);
        Assert.Equal(1990, (await t.Ledger.GetBalanceAsync(User)).Total);
    }

    [Fact]
    public async Task Scenario19_PersistentData_SurvivesClosingAndReopeningTheFile()
    {
        // Changed: localStorage is the SQLite file; "refresh the page" is disposing the ledger and opening the file again.
        using var t = new TestLedger();
        var path = Path.Combine(t.Folder, "persist.db");
        Balance before;
        HistoryPage historyBefore;
        using (var first = TokenLedger.Open(new LedgerOptions { DatabasePath = path }, t.Clock, new SequentialIdGenerator()))
        {
            await first.SetTierAsync(User, Tier.Pro);
            await first.SpendAsync(User, 10, "model.export.step");
            await first.ChargeAsync(User, new ChargeRequest("ai.design_review"));
            await first.GrantAsync(User, 100, "bonus");
            before = await first.GetBalanceAsync(User);
            historyBefore = await first.GetHistoryAsync(User, new HistoryQuery());
        }

        using var reopened = TokenLedger.Open(new LedgerOptions { DatabasePath = path }, t.Clock, new SequentialIdGenerator("r"));
        var after = await reopened.GetBalanceAsync(User);
        var historyAfter = await reopened.GetHistoryAsync(User, new HistoryQuery());

        Assert.Equal(9975 + 100, after.Total);
        Assert.Equal(before, after);
        Assert.Equal(Tier.Pro, after.Tier.Tier);
        Assert.Equal(historyBefore.Transactions, historyAfter.Transactions);
        Assert.True((await reopened.VerifyAsync()).Ok);
    }

    [Fact]
    public async Task Scenario20_MultipleTierChanges_EachGrantsTheNewAllowanceAndKeepsPurchasedTokens()
    {
        // Changed (section 3): the original reset the balance to 10,000 / 100,000 / 1,000. Now each change expires
        // the allowance left and grants the new tier's, so the 250 purchased tokens stay on top.
        using var t = new TestLedger();
        await t.Ledger.GrantAsync(User, 250, "bonus");
        Assert.Equal(Tier.Free, (await t.Ledger.GetBalanceAsync(User)).Tier.Tier);

        var pro = await t.Ledger.SetTierAsync(User, Tier.Pro);
        await t.Ledger.SpendAsync(User, 100, "model.export.step");
        var enterprise = await t.Ledger.SetTierAsync(User, Tier.Enterprise);
        var free = await t.Ledger.SetTierAsync(User, Tier.Free);

        Assert.Equal((Tier.Free, Tier.Pro, 10_250L), (pro.OldTier, pro.NewTier.Tier, pro.Balance));
        Assert.Equal((Tier.Pro, Tier.Enterprise, 100_250L), (enterprise.OldTier, enterprise.NewTier.Tier, enterprise.Balance));
        Assert.Equal((Tier.Enterprise, Tier.Free, 1_250L), (free.OldTier, free.NewTier.Tier, free.Balance));
        var balance = await t.Ledger.GetBalanceAsync(User);
        Assert.Equal((Tier.Free, 1_250L, 1_000L, 250L), (balance.Tier.Tier, balance.Total, balance.Allowance, balance.Purchased));
    }
}
