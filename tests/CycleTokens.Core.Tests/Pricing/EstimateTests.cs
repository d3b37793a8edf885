using CycleTokens.Core.Charges;
using CycleTokens.Core.Pricing;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Pricing;

public sealed class EstimateTests
{
    [Fact]
    public async Task Estimate_HasNoSideEffects_NoTransactionsNoCache()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        var before = LedgerChecks.Counts(t.DatabasePath);
        var events = t.Events.Count;

        await t.Ledger.EstimateAsync("alice", "model.export.step", TestLedger.Json("""{"a":1}"""));
        await t.Ledger.EstimateAsync("alice", "model.export.step", TestLedger.Json("""{"a":1}"""), 10);

        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
        Assert.Equal(0, before.DiscountCache);
        Assert.Equal(events, t.Events.Count);
        Assert.Equal(1000, (await t.Ledger.GetBalanceAsync("alice")).Total);
    }

    [Fact]
    public async Task Estimate_DoesNotStartTheCacheWindow()
    {
        using var t = new TestLedger();

        await t.Ledger.EstimateAsync("alice", "model.export.step", TestLedger.Json("""{"a":1}"""));
        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { Params = TestLedger.Json("""{"a":1}""") });

        Assert.False(charge.Cached);
        Assert.Equal(10, charge.Charged);
    }

    [Theory]
    [InlineData("model.export.step", null, 1, false)]
    [InlineData("model.export.step", """{"a":1}""", 10, false)]
    [InlineData("model.export.step", """{"a":1}""", 100, true)]
    [InlineData("cam.cnc_toolpath", """{"b":2,"a":1}""", 13, true)]
    [InlineData("unknown.op", null, 7, false)]
    [InlineData("collab.share", null, 1, true)]
    public async Task Estimate_EqualsTheFollowingCharge(string operation, string? json, int quantity, bool primeCache)
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 10_000);
        var parameters = json is null ? (System.Text.Json.JsonElement?)null : TestLedger.Json(json);
        if (primeCache)
        {
            await t.Ledger.ChargeAsync("alice", new ChargeRequest(operation) { Params = parameters });
        }

        var quote = await t.Ledger.EstimateAsync("alice", operation, parameters, quantity);
        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest(operation) { Params = parameters, Quantity = quantity });

        Assert.Equal(charge.Charged, quote.TotalPrice);
        Assert.Equal(charge.BasePrice, quote.BasePrice);
        Assert.Equal(charge.UnitPrice, quote.UnitPrice);
        Assert.Equal(charge.Cached, quote.Cached);
        Assert.Equal(primeCache, quote.Cached);
        Assert.Equal(charge.BatchDiscountPct, quote.BatchDiscountPct);
        Assert.Equal(charge.PricedBy, quote.PricedBy);
        Assert.Equal(quote.Balance - quote.TotalPrice, charge.BalanceAfter);
    }

    [Fact]
    public async Task Estimate_Cached_ReportsNinetyPercentDiscount()
    {
        using var t = new TestLedger();
        await t.Ledger.ChargeAsync("alice", new ChargeRequest("ai.design_review"));

        var quote = await t.Ledger.EstimateAsync("alice", "ai.design_review");

        Assert.True(quote.Cached);
        Assert.Equal(90, quote.CacheDiscountPct);
        Assert.Equal(15, quote.BasePrice);
        Assert.Equal(2, quote.UnitPrice);
        Assert.Equal(2, quote.TotalPrice);
        Assert.Equal("0.02", quote.TotalEur);
        Assert.Equal(985, quote.Balance);
    }

    [Fact]
    public async Task Estimate_NotCached_ReportsNoCacheDiscount()
    {
        using var t = new TestLedger();

        var quote = await t.Ledger.EstimateAsync("alice", "cam.cnc_toolpath", quantity: 10);

        Assert.Equal(new PriceQuote("cam.cnc_toolpath", 75, 75, false, 0, 10, 25, 563, PricedBy.Catalogue, 1000), quote);
        Assert.Equal("5.63", quote.TotalEur);
    }

    [Theory]
    [InlineData(999L, false)]
    [InlineData(1000L, true)]
    [InlineData(1001L, true)]
    public async Task Estimate_Affordable_IsWhetherTheBalanceCoversTheTotal(long balance, bool affordable)
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", balance); // 1000 allowance + balance purchased
        await t.Ledger.SpendAsync("alice", 1000, "setup");

        var quote = await t.Ledger.EstimateAsync("alice", "model.download.full_ip");

        Assert.Equal(balance, quote.Balance);
        Assert.Equal(1000, quote.TotalPrice);
        Assert.Equal(affordable, quote.Affordable);
    }

    [Fact]
    public async Task Estimate_Unaffordable_ThenChargeFailsWithTheSameNumbers()
    {
        using var t = new TestLedger();

        var quote = await t.Ledger.EstimateAsync("alice", "model.download.full_ip", quantity: 2);
        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ChargeAsync("alice", new ChargeRequest("model.download.full_ip") { Quantity = 2 }));

        Assert.False(quote.Affordable);
        Assert.Equal(2000, quote.TotalPrice);
        Assert.Equal("Insufficient tokens: have 1000, need 2000", ex.Message);
    }
}
