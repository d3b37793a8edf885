using CycleTokens.Core.Budgets;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Keys;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Budgets;

/// <summary>The credentials' daily totals are kept for today and yesterday only; older days are deleted.</summary>
public sealed class SpendDayPruneTests
{
    private static Spender Key(string credential) => new(credential, new KeyBudget(null, 1000, null));

    private static List<(string Credential, long Day)> Days(TestLedger t) =>
        [.. RawRows.Query(t.DatabasePath, "SELECT credential, day FROM credential_spend ORDER BY credential, day").Select(r => ((string)r[0]!, Convert.ToInt64(r[1], System.Globalization.CultureInfo.InvariantCulture)))];

    [Fact]
    public async Task Prune_DeletesTheDaysBeforeYesterday_KeepsYesterdayAndToday_AndTheLimitsStillCount()
    {
        using var t = new TestLedger();
        var today = BudgetDays.Of(t.Clock.GetUtcNow().ToUnixTimeMilliseconds());
        await t.Ledger.ChargeAsync("alice", new ChargeRequest("cam.laser_path"), Key("key_a")); // 30
        t.Clock.Advance(TimeSpan.FromDays(1));
        await t.Ledger.ChargeAsync("alice", new ChargeRequest("cam.laser_path"), Key("key_a"));
        await t.Ledger.ChargeAsync("alice", new ChargeRequest("cam.laser_path"), Key("key_b"));
        t.Clock.Advance(TimeSpan.FromDays(1));
        await t.Ledger.ChargeAsync("alice", new ChargeRequest("cam.laser_path"), Key("key_b"));

        Assert.Equal(1, await t.Ledger.PruneSpendDaysAsync());

        Assert.Equal([("key_a", today + 1), ("key_b", today + 1), ("key_b", today + 2)], Days(t));
        Assert.Equal(30, (await t.Ledger.GetBudgetAsync(Key("key_b"))).UsedToday);
        Assert.Equal(0, await t.Ledger.PruneSpendDaysAsync());
        Assert.True((await t.Ledger.VerifyAsync()).Ok);
    }

    [Fact]
    public async Task AHoldCountedOnAPrunedDay_EndsAsAny_AndGivesBackNothing()
    {
        using var t = new TestLedger();
        var escrow = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(200, "job-1", "acme"), Key("key_a"));
        t.Clock.Advance(TimeSpan.FromDays(2));
        await t.Ledger.ChargeAsync("alice", new ChargeRequest("cam.laser_path"), Key("key_a")); // 30
        Assert.Equal(1, await t.Ledger.PruneSpendDaysAsync());

        var cancelled = await t.Ledger.CancelEscrowAsync("alice", escrow.Escrow.Id);

        Assert.Equal(EscrowStatus.Cancelled, cancelled.Escrow.Status);
        Assert.Equal(30, (await t.Ledger.GetBudgetAsync(Key("key_a"))).UsedToday);
        Assert.Equal(0, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM budget_holds"));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }
}
