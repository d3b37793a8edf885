using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.History;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.History;

/// <summary>Product spec section 9: usage per period and operation, and the balance's month figures.</summary>
public sealed class UsageTests
{
    private const string User = "alice";

    [Fact]
    public async Task Usage_ByDefault_CoversTheCurrentCalendarMonth()
    {
        using var t = new TestLedger(start: new DateTimeOffset(2026, 2, 20, 9, 0, 0, TimeSpan.Zero));
        await t.Ledger.SpendAsync(User, 7, "model.export.step");
        t.Clock.Advance(TimeSpan.FromDays(23)); // 2026-03-15
        await t.Ledger.SpendAsync(User, 5, "model.export.step");

        var usage = await t.Ledger.GetUsageAsync(User);

        Assert.Equal(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), usage.Since);
        Assert.Equal(new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero), usage.Until);
        Assert.Equal(5, usage.Used);
        var op = Assert.Single(usage.ByOperation);
        Assert.Equal(1, op.Count);
    }

    [Fact]
    public async Task Usage_ForAnEarlierPeriod_CountsThatPeriodOnly()
    {
        using var t = new TestLedger(start: new DateTimeOffset(2026, 2, 20, 9, 0, 0, TimeSpan.Zero));
        await t.Ledger.SpendAsync(User, 7, "model.export.step");
        t.Clock.Advance(TimeSpan.FromDays(23));
        await t.Ledger.SpendAsync(User, 5, "model.export.step");

        var february = await t.Ledger.GetUsageAsync(
            User, new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));

        Assert.Equal(7, february.Used);
    }

    [Fact]
    public async Task Usage_Period_IncludesSinceAndExcludesUntil()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync(User, 3, "model.export.step");
        t.Clock.Advance(TimeSpan.FromHours(1));
        await t.Ledger.SpendAsync(User, 4, "model.export.step");

        var usage = await t.Ledger.GetUsageAsync(User, TestLedger.Start, TestLedger.Start.AddHours(1));

        Assert.Equal(3, usage.Used);
    }

    [Fact]
    public async Task Usage_PerOperation_GivesCountTotalAverageRoundedHalfUpAndEuros()
    {
        using var t = new TestLedger();
        // op.a: 3 operations totalling 5 → average 1.67 → 2
        await t.Ledger.SpendAsync(User, 1, "op.a");
        await t.Ledger.SpendAsync(User, 2, "op.a");
        await t.Ledger.SpendAsync(User, 2, "op.a");
        // op.b: 2 totalling 7 → 3.5 → 4
        await t.Ledger.SpendAsync(User, 3, "op.b");
        await t.Ledger.SpendAsync(User, 4, "op.b");
        // op.c: 2 totalling 5 → 2.5 → 3 (banker's rounding would give 2)
        await t.Ledger.SpendAsync(User, 2, "op.c");
        await t.Ledger.SpendAsync(User, 3, "op.c");
        // charges count too: stl 2, then the cached repeat 1 → 2 totalling 3 → 1.5 → 2
        await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.stl"));
        await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.stl"));
        // a zero-price operation is counted with 0 tokens
        await t.Ledger.ChargeAsync(User, new ChargeRequest("marketplace.publish"));

        var usage = await t.Ledger.GetUsageAsync(User);

        var rows = usage.ByOperation.Select(o => (o.Operation, o.Count, o.TotalTokens, o.AveragePerOp, o.CostEur)).ToArray();
        Assert.Equal(
            new[]
            {
                ("op.b", 2L, 7L, 4L, "0.07"),
                ("op.a", 3L, 5L, 2L, "0.05"),
                ("op.c", 2L, 5L, 3L, "0.05"),
                ("model.export.stl", 2L, 3L, 2L, "0.03"),
                ("marketplace.publish", 1L, 0L, 0L, "0.00"),
            },
            rows);
        Assert.Equal(20, usage.Used);
        Assert.Equal("0.20", usage.UsedEur);
    }

    [Fact]
    public async Task Usage_CountsOnlyChargesAndSpends()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync(User, 10, "model.export.step");
        await t.Ledger.GrantAsync(User, 500, "bonus");
        var escrow = await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(300, "job", "shop"));
        await t.Ledger.ReleaseEscrowAsync(User, escrow.Escrow.Id);
        await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(50, "job2", "shop"));
        var purchase = await t.Ledger.CreatePurchaseAsync(User, 1000, "card");
        await t.Ledger.CompletePurchaseAsync(purchase.Purchase.Id);

        var usage = await t.Ledger.GetUsageAsync(User);

        Assert.Equal(10, usage.Used);
        Assert.Equal(["model.export.step"], usage.ByOperation.Select(o => o.Operation));
    }

    [Fact]
    public async Task Usage_ExcludesRefundedChargesAndSpends()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync(User, 10, "op.x");
        var refundedSpend = await t.Ledger.SpendAsync(User, 20, "op.x");
        var refundedCharge = await t.Ledger.ChargeAsync(User, new ChargeRequest("ai.design_review"));
        await t.Ledger.RefundAsync(refundedSpend.TransactionId, "duplicate");
        await t.Ledger.RefundAsync(refundedCharge.TransactionId, "failed");

        var usage = await t.Ledger.GetUsageAsync(User);
        var balance = await t.Ledger.GetBalanceAsync(User);

        var op = Assert.Single(usage.ByOperation);
        Assert.Equal(("op.x", 1L, 10L, 10L), (op.Operation, op.Count, op.TotalTokens, op.AveragePerOp));
        Assert.Equal(10, usage.Used);
        Assert.Equal(10, balance.UsedThisMonth);
        Assert.Equal(990, balance.Total);
    }

    [Fact]
    public async Task Balance_UsedThisMonth_EqualsTheMonthsUsage_AndRemainingIsTheAllowanceLeft()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync(User, 500, "bonus");
        await t.Ledger.SpendAsync(User, 100, "op.a");
        await t.Ledger.ChargeAsync(User, new ChargeRequest("ai.design_review"));

        var balance = await t.Ledger.GetBalanceAsync(User);
        var usage = await t.Ledger.GetUsageAsync(User);

        Assert.Equal(115, usage.Used);
        Assert.Equal(115, balance.UsedThisMonth);
        Assert.Equal(885, balance.RemainingThisMonth);
        Assert.Equal(885, balance.Allowance);
        Assert.Equal(500, balance.Purchased);
        Assert.Equal(1385, balance.Total);
    }

    [Fact]
    public async Task Balance_WhenSpendingReachesPurchasedTokens_RemainingThisMonthIsZero()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync(User, 500, "bonus");
        await t.Ledger.SpendAsync(User, 1200, "op.a");

        var balance = await t.Ledger.GetBalanceAsync(User);

        Assert.Equal(1200, balance.UsedThisMonth);
        Assert.Equal(0, balance.RemainingThisMonth);
        Assert.Equal(300, balance.Purchased);
    }

    [Fact]
    public async Task Balance_InANewMonth_UsedThisMonthStartsAtZero()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync(User, 40, "op.a");
        t.Clock.Advance(TimeSpan.FromDays(17)); // 2026-04-01T10:00Z
        await t.Ledger.SpendAsync(User, 6, "op.a");

        var balance = await t.Ledger.GetBalanceAsync(User);

        Assert.Equal(6, balance.UsedThisMonth);
        Assert.Equal(994, balance.RemainingThisMonth);
        Assert.Equal(new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero), balance.MonthStart);
        Assert.Equal(new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero), balance.NextReset);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task Usage_WithUntilNotAfterSince_IsRejectedNamingUntil(int hours)
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(
            async () => await t.Ledger.GetUsageAsync(User, TestLedger.Start, TestLedger.Start.AddHours(hours)));

        Assert.Equal(LedgerErrorCode.InvalidArgument, ex.Code);
        Assert.Equal("until", ex.Field);
    }
}
