using CycleTokens.Core.Accounts;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Events;
using CycleTokens.Core.History;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Charges;

public sealed class ChargeTests
{
    [Fact]
    public async Task Charge_WithoutCreator_PlatformReceivesAll()
    {
        using var t = new TestLedger();

        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest("analysis.stress"));

        Assert.Equal((30L, 0L, 30L), (charge.Charged, charge.CreatorShare, charge.PlatformShare));
        Assert.Null(charge.CreatorId);
        Assert.Equal(970, charge.BalanceAfter);
        Assert.Equal(30, LedgerChecks.Balance(t.DatabasePath, AccountNames.Platform));
        Assert.Equal(2, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM accounts WHERE kind <> 'system'"));
        Assert.Equal(30, LedgerChecks.Posted(t.DatabasePath, charge.TransactionId, AccountNames.Platform, "main"));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Charge_WithCreator_DebitsUserAndCreditsCreatorAndPlatformInOneTransaction()
    {
        using var t = new TestLedger();

        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { CreatorId = "bob" });

        Assert.Equal("bob", charge.CreatorId);
        Assert.Equal((10L, 7L, 3L, 990L), (charge.Charged, charge.CreatorShare, charge.PlatformShare, charge.BalanceAfter));
        Assert.Equal(3, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM postings p JOIN transactions t ON t.seq = p.tx_seq WHERE t.id = $id", ("$id", charge.TransactionId)));
        Assert.Equal(-10, LedgerChecks.Posted(t.DatabasePath, charge.TransactionId, "alice", "allowance"));
        Assert.Equal(7, LedgerChecks.Posted(t.DatabasePath, charge.TransactionId, "creator:bob", "main"));
        Assert.Equal(3, LedgerChecks.Posted(t.DatabasePath, charge.TransactionId, "platform", "main"));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Theory]
    [InlineData("ai.design_review", 1, 15, 11, 4)]       // 10.5 -> 11 (half-to-even would give 10)
    [InlineData("model.export.step", 10, 75, 53, 22)]    // 52.5 -> 53 (half-to-even would give 52)
    [InlineData("ai.identify.part", 1, 5, 4, 1)]          // 3.5 -> 4
    [InlineData("model.export.json", 5, 5, 4, 1)]
    public async Task Split_RoundsHalfUp_NotToEven(string operation, int quantity, long total, long creator, long platform)
    {
        using var t = new TestLedger();

        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest(operation) { Quantity = quantity, CreatorId = "bob" });

        Assert.Equal((total, creator, platform), (charge.Charged, charge.CreatorShare, charge.PlatformShare));
        Assert.Equal(creator, LedgerChecks.Balance(t.DatabasePath, "creator:bob"));
        Assert.Equal(platform, LedgerChecks.Balance(t.DatabasePath, "platform"));
    }

    [Fact]
    public async Task Split_EnterpriseRoyalty_RoundsHalfUp()
    {
        using var t = new TestLedger();
        await t.Ledger.SetTierAsync("alice", Tier.Enterprise);

        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest("cam.foam_cut") { CreatorId = "bob" });

        Assert.Equal((25L, 23L, 2L), (charge.Charged, charge.CreatorShare, charge.PlatformShare)); // 22.5 -> 23
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(4, 3)]
    [InlineData(5, 4)]
    [InlineData(6, 4)]
    [InlineData(7, 5)]
    [InlineData(8, 6)]
    [InlineData(9, 6)]
    public async Task Split_PartsAlwaysSumToTotal(int total, long creator)
    {
        using var t = new TestLedger();

        // model.export.json costs 1 and quantities below 10 get no batch discount, so total = quantity.
        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.json") { Quantity = total, CreatorId = "bob" });

        Assert.Equal(total, charge.Charged);
        Assert.Equal(creator, charge.CreatorShare);
        Assert.Equal(total - creator, charge.PlatformShare);
        Assert.Equal(charge.Charged, charge.CreatorShare + charge.PlatformShare);
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Split_CachedChargeOfOneToken_GoesToTheCreator()
    {
        using var t = new TestLedger();

        await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { CreatorId = "bob" });
        var cached = await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { CreatorId = "bob" });

        Assert.Equal((1L, 1L, 0L), (cached.Charged, cached.CreatorShare, cached.PlatformShare)); // 0.7 -> 1
        Assert.Equal(8, LedgerChecks.Balance(t.DatabasePath, "creator:bob"));
        Assert.Equal(3, LedgerChecks.Balance(t.DatabasePath, "platform"));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Charge_WithInsufficientBalance_FailsWithHaveAndNeed_AndWritesNothing()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync("alice", 995, "setup");
        var before = LedgerChecks.Counts(t.DatabasePath);
        var platformBefore = LedgerChecks.Balance(t.DatabasePath, AccountNames.Platform);
        t.Events.Clear();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { CreatorId = "bob" }));

        Assert.Equal(LedgerErrorCode.InsufficientTokens, ex.Code);
        Assert.Equal("Insufficient tokens: have 5, need 10", ex.Message);
        Assert.False(ex.Replayed);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
        Assert.Equal(platformBefore, LedgerChecks.Balance(t.DatabasePath, AccountNames.Platform));
        Assert.False(LedgerChecks.Exists(t.DatabasePath, "creator:bob"));
        Assert.Empty(t.Events);
        Assert.Equal(5, (await t.Ledger.GetBalanceAsync("alice")).Total);
    }

    [Fact]
    public async Task Charge_InsufficientCountsAllowanceAndPurchasedButNotEscrow()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 40);
        await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(1000, "job", "shop"));

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ChargeAsync("alice", new ChargeRequest("model.download.mesh")));

        Assert.Equal("Insufficient tokens: have 40, need 50", ex.Message);
    }

    [Fact]
    public async Task Charge_NewUserWhoCannotAfford_LeavesNoTrace()
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ChargeAsync("alice", new ChargeRequest("model.download.full_ip") { Quantity = 2 }));

        Assert.Equal("Insufficient tokens: have 1000, need 2000", ex.Message);
        Assert.Equal(new TableCounts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0), LedgerChecks.Counts(t.DatabasePath));
    }

    [Fact]
    public async Task Charge_RaisesTokenSpentEventWithSharesAndBalance()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        t.Events.Clear();

        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest("ai.design_review") { CreatorId = "bob" });

        var spent = Assert.Single(t.Events);
        Assert.Equal(LedgerEventNames.TokenSpent, spent.Name);
        Assert.Equal(15L, spent.Data["amount"]);
        Assert.Equal("ai.design_review", spent.Data["operation"]);
        Assert.Equal("bob", spent.Data["creator_id"]);
        Assert.Equal(11L, spent.Data["creator_share"]);
        Assert.Equal(4L, spent.Data["platform_share"]);
        Assert.Equal(985L, spent.Data["balance"]);
        Assert.Equal(charge.TransactionId, spent.Data["transaction_id"]);
    }

    [Fact]
    public async Task Charge_IsRecordedInHistoryWithCounterparty()
    {
        using var t = new TestLedger();

        var withCreator = await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { CreatorId = "bob" });
        var withoutCreator = await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.stl"));
        var history = await t.Ledger.GetHistoryAsync("alice", new HistoryQuery { Kind = TransactionKind.Charge });

        Assert.Equal(
            [
                (withoutCreator.TransactionId, TransactionType.Debit, "model.export.stl", 2L, "platform", 988L),
                (withCreator.TransactionId, TransactionType.Debit, "model.export.step", 10L, "creator:bob", 990L),
            ],
            history.Transactions.Select(x => (x.Id, x.Type, x.Operation!, x.Amount, x.Counterparty!, x.BalanceAfter)));
        Assert.All(history.Transactions, x => Assert.Equal(TestLedger.Start, x.Timestamp));
    }

    [Theory]
    [InlineData("marketplace.publish")]
    [InlineData("marketplace.list")]
    [InlineData("collab.share")]
    [InlineData("collab.comment")]
    public async Task Charge_ZeroPriceOperation_IsRecordedAndMovesNoTokens(string operation)
    {
        using var t = new TestLedger();

        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest(operation) { CreatorId = "bob" });
        var history = await t.Ledger.GetHistoryAsync("alice", new HistoryQuery { Operation = operation });
        var usage = await t.Ledger.GetUsageAsync("alice");

        Assert.Equal((0L, 0L, 0L, 1000L), (charge.Charged, charge.CreatorShare, charge.PlatformShare, charge.BalanceAfter));
        var recorded = Assert.Single(history.Transactions);
        Assert.Equal((TransactionKind.Charge, 0L), (recorded.Kind, recorded.Amount));
        var used = Assert.Single(usage.ByOperation);
        Assert.Equal((operation, 1L, 0L), (used.Operation, used.Count, used.TotalTokens));
        Assert.Equal(0, usage.Used);
        Assert.Equal(0, LedgerChecks.Balance(t.DatabasePath, "platform"));
        Assert.Equal(0, LedgerChecks.Balance(t.DatabasePath, "creator:bob"));
        Assert.Equal(1000, (await t.Ledger.GetBalanceAsync("alice")).Total);
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Charge_ZeroPriceOperation_SucceedsWithZeroBalance()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync("alice", 1000, "x");

        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest("collab.comment") { Quantity = 100 });

        Assert.Equal(0, charge.Charged);
        Assert.Equal(0, charge.BalanceAfter);
        Assert.Equal(1, LedgerChecks.CountKind(t.DatabasePath, "alice", "charge"));
    }

    [Fact]
    public async Task Charge_ZeroPriceOperations_CountInUsage()
    {
        using var t = new TestLedger();

        await t.Ledger.ChargeAsync("alice", new ChargeRequest("collab.share"));
        await t.Ledger.ChargeAsync("alice", new ChargeRequest("collab.share") { Params = TestLedger.Json("""{"doc":2}""") });
        await t.Ledger.ChargeAsync("alice", new ChargeRequest("collab.share"));
        var usage = await t.Ledger.GetUsageAsync("alice");

        var share = Assert.Single(usage.ByOperation);
        Assert.Equal(3, share.Count);
        Assert.Equal(0, share.TotalTokens);
        Assert.Equal("0.00", share.CostEur);
    }
}
