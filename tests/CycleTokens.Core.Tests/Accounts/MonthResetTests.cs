using CycleTokens.Core.Accounts;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Events;
using CycleTokens.Core.History;
using CycleTokens.Core.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace CycleTokens.Core.Tests.Accounts;

public sealed class MonthResetTests
{
    private static readonly DateTimeOffset April1 = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Reset_ExpiresRemainingAllowanceToSystemExpired_AndGrantsTierAllowance()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 50);
        await t.Ledger.SpendAsync("alice", 300, "x");

        t.Clock.SetUtcNow(April1.AddHours(3));
        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal((1000L, 50L, 1050L), (balance.Allowance, balance.Purchased, balance.Total));
        Assert.Equal(April1, balance.MonthStart);
        Assert.Equal(new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero), balance.NextReset);
        Assert.Equal(700, LedgerChecks.Balance(t.DatabasePath, AccountNames.SystemExpired));
        Assert.Equal(-2000, LedgerChecks.Balance(t.DatabasePath, AccountNames.SystemAllowance));
        var history = await t.Ledger.GetHistoryAsync("alice", new HistoryQuery { Limit = 2 });
        Assert.Equal(
            [
                (TransactionKind.Allowance, TransactionType.Credit, 1000L, "system:allowance", 1050L),
                (TransactionKind.Expiry, TransactionType.Debit, 700L, "system:expired", 50L),
            ],
            history.Transactions.Select(x => (x.Kind, x.Type, x.Amount, x.Counterparty, x.BalanceAfter)));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Reset_RaisesOneMonthResetEvent_WithExpiredAndNewAllowance()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync("alice", 300, "x");
        t.Events.Clear();

        t.Clock.SetUtcNow(April1.AddHours(3));
        await t.Ledger.GetBalanceAsync("alice");

        var reset = Assert.Single(t.Events);
        Assert.Equal(LedgerEventNames.MonthReset, reset.Name);
        Assert.Equal("alice", reset.Account);
        Assert.Equal(700L, reset.Data["expired"]);
        Assert.Equal(1000L, reset.Data["allowance"]);
        Assert.Equal("FREE", reset.Data["tier"]);
        Assert.Equal(1000L, reset.Data["balance"]);
        Assert.Equal(April1, (DateTimeOffset)reset.Data["month_start"]!);
    }

    [Fact]
    public async Task Reset_AllowanceFullySpent_RecordsNoExpiry()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync("alice", 1000, "x");

        t.Clock.SetUtcNow(April1);
        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal(1000, balance.Total);
        Assert.Equal(0, LedgerChecks.CountKind(t.DatabasePath, "alice", "expiry"));
        Assert.Equal(2, LedgerChecks.CountKind(t.DatabasePath, "alice", "allowance"));
        Assert.False(LedgerChecks.Exists(t.DatabasePath, AccountNames.SystemExpired));
        Assert.Equal(0L, t.Events.Single(e => e.Name == LedgerEventNames.MonthReset).Data["expired"]);
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Reset_HappensOncePerMonth_HoweverOftenTheUserIsTouched()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync("alice", 100, "x");

        t.Clock.SetUtcNow(April1.AddMinutes(1));
        await t.Ledger.GetBalanceAsync("alice");
        await t.Ledger.EstimateAsync("alice", "model.export.step");
        await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step"));
        t.Clock.Advance(TimeSpan.FromDays(10));
        await t.Ledger.SpendAsync("alice", 5, "x");
        await t.Ledger.GetHistoryAsync("alice", new HistoryQuery());
        t.Clock.SetUtcNow(new DateTimeOffset(2026, 4, 30, 23, 59, 59, TimeSpan.Zero));
        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.Single(t.Events, e => e.Name == LedgerEventNames.MonthReset);
        Assert.Equal(2, LedgerChecks.CountKind(t.DatabasePath, "alice", "allowance"));
        Assert.Equal(1, LedgerChecks.CountKind(t.DatabasePath, "alice", "expiry"));
        Assert.Equal(985, balance.Total);
    }

    [Fact]
    public async Task Reset_AnyWriteInTheNewMonth_ResetsBeforeItApplies()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync("alice", 400, "x");

        t.Clock.SetUtcNow(April1.AddDays(2));
        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step"));

        Assert.Equal(990, charge.BalanceAfter);
        Assert.Equal(600, LedgerChecks.Balance(t.DatabasePath, AccountNames.SystemExpired));
    }

    [Fact]
    public async Task Reset_SkippingSeveralMonths_ResetsOnce()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 30);
        await t.Ledger.SpendAsync("alice", 200, "x");

        t.Clock.SetUtcNow(new DateTimeOffset(2026, 7, 14, 9, 0, 0, TimeSpan.Zero));
        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal((1000L, 30L), (balance.Allowance, balance.Purchased));
        Assert.Equal(new DateTimeOffset(2026, 7, 1, 0, 0, 0, TimeSpan.Zero), balance.MonthStart);
        Assert.Equal(2, LedgerChecks.CountKind(t.DatabasePath, "alice", "allowance"));
        Assert.Equal(1, LedgerChecks.CountKind(t.DatabasePath, "alice", "expiry"));
        Assert.Equal(800, LedgerChecks.Balance(t.DatabasePath, AccountNames.SystemExpired));
        Assert.Single(t.Events, e => e.Name == LedgerEventNames.MonthReset);
    }

    [Fact]
    public async Task Reset_JustBeforeMidnightUtc_StillTheOldMonth()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync("alice", 100, "x");

        t.Clock.SetUtcNow(April1.AddMilliseconds(-1));
        var march = await t.Ledger.GetBalanceAsync("alice");
        t.Clock.Advance(TimeSpan.FromMilliseconds(1));
        var april = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal(900, march.Allowance);
        Assert.Equal(1000, april.Allowance);
        Assert.Single(t.Events, e => e.Name == LedgerEventNames.MonthReset);
    }

    [Fact]
    public async Task Reset_AcrossTheYearEnd_StartsJanuary()
    {
        using var t = new TestLedger(start: new DateTimeOffset(2026, 12, 20, 0, 0, 0, TimeSpan.Zero));
        await t.Ledger.SpendAsync("alice", 100, "x");

        t.Clock.SetUtcNow(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal(1000, balance.Allowance);
        Assert.Equal(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero), balance.MonthStart);
        Assert.Equal(new DateTimeOffset(2027, 2, 1, 0, 0, 0, TimeSpan.Zero), balance.NextReset);
    }

    [Fact]
    public async Task Reset_ProUser_GetsTheProAllowance()
    {
        using var t = new TestLedger();
        await t.Ledger.SetTierAsync("alice", Tier.Pro);
        await t.Ledger.SpendAsync("alice", 2500, "x");

        t.Clock.SetUtcNow(April1);
        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal(10000, balance.Allowance);
        Assert.Equal(10000L, t.Events.Last(e => e.Name == LedgerEventNames.MonthReset).Data["allowance"]);
        Assert.Equal(7500L, t.Events.Last(e => e.Name == LedgerEventNames.MonthReset).Data["expired"]);
    }

    [Fact]
    public async Task Reset_BerlinTimeZone_MovesTheBoundaryToLocalMidnight()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        using var t = new TestLedger(new LedgerOptions { DatabasePath = "unused", MonthTimeZone = berlin });
        await t.Ledger.SpendAsync("alice", 100, "x");

        // April starts in Berlin at 2026-03-31T22:00Z (CEST, UTC+2).
        t.Clock.SetUtcNow(new DateTimeOffset(2026, 3, 31, 21, 59, 59, TimeSpan.Zero));
        var stillMarch = await t.Ledger.GetBalanceAsync("alice");
        t.Clock.SetUtcNow(new DateTimeOffset(2026, 3, 31, 22, 0, 0, TimeSpan.Zero));
        var april = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal(900, stillMarch.Allowance);
        Assert.Equal(new DateTimeOffset(2026, 2, 28, 23, 0, 0, TimeSpan.Zero), stillMarch.MonthStart); // CET, UTC+1
        Assert.Equal(1000, april.Allowance);
        Assert.Equal(new DateTimeOffset(2026, 3, 31, 22, 0, 0, TimeSpan.Zero), april.MonthStart);
        Assert.Equal(new DateTimeOffset(2026, 4, 30, 22, 0, 0, TimeSpan.Zero), april.NextReset);
        Assert.Single(t.Events, e => e.Name == LedgerEventNames.MonthReset);
    }

    [Fact]
    public async Task Reset_UtcLedgerAtBerlinsMonthStart_DoesNotResetYet()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync("alice", 100, "x");

        t.Clock.SetUtcNow(new DateTimeOffset(2026, 3, 31, 22, 30, 0, TimeSpan.Zero));
        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal(900, balance.Allowance);
        Assert.DoesNotContain(t.Events, e => e.Name == LedgerEventNames.MonthReset);
    }

    [Fact]
    public async Task Reset_LaggingSecondConnection_NeverResetsBackOrAgain()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync("alice", 100, "x");
        var lagging = new FakeTimeProvider(new DateTimeOffset(2026, 3, 31, 23, 59, 0, TimeSpan.Zero));
        var other = t.OpenAnother(lagging);
        var otherEvents = new List<LedgerEvent>();
        other.EventRaised += (_, e) => otherEvents.Add(e);

        t.Clock.SetUtcNow(April1.AddSeconds(30));
        await t.Ledger.GetBalanceAsync("alice");
        var seenByLagging = await other.GetBalanceAsync("alice");
        var spend = await other.SpendAsync("alice", 10, "x");
        lagging.SetUtcNow(April1.AddMinutes(1));
        var afterCatchUp = await other.GetBalanceAsync("alice");

        Assert.Equal(1000, seenByLagging.Allowance);
        Assert.Equal(April1, seenByLagging.MonthStart);
        Assert.Equal(990, spend.BalanceAfter);
        Assert.Equal(990, afterCatchUp.Allowance);
        Assert.DoesNotContain(otherEvents, e => e.Name == LedgerEventNames.MonthReset);
        Assert.Single(t.Events, e => e.Name == LedgerEventNames.MonthReset);
        Assert.Equal(2, LedgerChecks.CountKind(t.DatabasePath, "alice", "allowance"));
        Assert.Equal(1, LedgerChecks.CountKind(t.DatabasePath, "alice", "expiry"));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Reset_TwoConnectionsInTheNewMonth_ResetOnlyOnce()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync("alice", 100, "x");
        var other = t.OpenAnother();

        t.Clock.SetUtcNow(April1.AddHours(1));
        await other.GetBalanceAsync("alice");
        await t.Ledger.SpendAsync("alice", 1, "x");
        await other.SpendAsync("alice", 1, "x");
        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal(998, balance.Total);
        Assert.Equal(2, LedgerChecks.CountKind(t.DatabasePath, "alice", "allowance"));
        Assert.Equal(900, LedgerChecks.Balance(t.DatabasePath, AccountNames.SystemExpired));
    }
}
