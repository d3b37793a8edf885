using CycleTokens.Core.Accounts;
using CycleTokens.Core.Budgets;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Events;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Budgets;

/// <summary>
/// Agent-billing spec §4: a debit that takes the balance below the threshold (default 10% of the tier's monthly
/// allowance) raises <c>low-balance</c> once per crossing, and again only after the balance was back at or above it —
/// also when the debits come from different processes sharing the file.
/// </summary>
public sealed class LowBalanceTests
{
    private const string User = "alice";

    private static List<LedgerEvent> LowBalance(IEnumerable<LedgerEvent> events) => events.Where(e => e.Name == LedgerEventNames.LowBalance).ToList();

    [Fact]
    public async Task ADebitCrossingTheTierDefault_RaisesLowBalanceOnce_WithBalanceAndThreshold_AfterTokenSpent()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync(User, 900, "render"); // 1000 -> 100: at the FREE default (100), not below
        Assert.Empty(LowBalance(t.Events));

        var spend = await t.Ledger.SpendAsync(User, 1, "render");
        await t.Ledger.SpendAsync(User, 50, "render");

        var alert = Assert.Single(LowBalance(t.Events));
        Assert.Equal(User, alert.Account);
        Assert.Equal(99L, alert.Data["balance"]);
        Assert.Equal(100L, alert.Data["threshold"]);
        Assert.Equal(spend.TransactionId, alert.Data["transaction_id"]);
        Assert.Equal(LedgerEventNames.TokenSpent, t.Events[t.Events.IndexOf(alert) - 1].Name);
    }

    [Fact]
    public async Task AfterTheBalanceRecovers_TheNextCrossingRaisesItAgain()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync(User, 950, "render");
        await t.Ledger.GrantAsync(User, 200);         // 50 -> 250: back above, no debit saw it
        await t.Ledger.SpendAsync(User, 100, "render"); // 150: above, nothing
        await t.Ledger.SpendAsync(User, 100, "render"); // 50: crossing again
        await t.Ledger.GrantAsync(User, 200);         // 250
        await t.Ledger.SpendAsync(User, 210, "render"); // 40: one debit from above to below is a crossing too

        Assert.Equal([50L, 50L, 40L], LowBalance(t.Events).Select(e => (long)e.Data["balance"]!));
    }

    [Fact]
    public async Task EscrowHoldsAndChargesCountAsDebits()
    {
        using var t = new TestLedger();
        await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(850, "J-1", "acme"));
        await t.Ledger.ChargeAsync(User, new ChargeRequest("fab.submit.job"));

        var alert = Assert.Single(LowBalance(t.Events));
        Assert.Equal(50L, alert.Data["balance"]);
    }

    [Fact]
    public async Task TheDefaultFollowsTheTier()
    {
        using var t = new TestLedger();
        await t.Ledger.SetTierAsync(User, Tier.Pro); // 10,000 a month: default 1,000

        await t.Ledger.SpendAsync(User, 9_001, "render");

        Assert.Equal(1000L, Assert.Single(LowBalance(t.Events)).Data["threshold"]);
        Assert.Equal(new LowBalanceSetting(User, 1000, false, 1000), await t.Ledger.GetLowBalanceAsync(User));
    }

    [Fact]
    public async Task AnOperatorsThreshold_ReplacesTheDefault_AndSettingItReArmsTheAlert()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync(User, 950, "render"); // alerted at the default
        t.Events.Clear();

        var set = await t.Ledger.SetLowBalanceThresholdAsync(User, 30);
        await t.Ledger.SpendAsync(User, 10, "render"); // 40: above 30
        await t.Ledger.SpendAsync(User, 20, "render"); // 20: below 30

        Assert.Equal(new LowBalanceSetting(User, 30, true, 100), set);
        Assert.Equal(30L, Assert.Single(LowBalance(t.Events)).Data["threshold"]);

        t.Events.Clear();
        await t.Ledger.SetLowBalanceThresholdAsync(User, null);
        await t.Ledger.SpendAsync(User, 1, "render"); // 19, below the default 100: re-armed, so raised

        Assert.Equal(100L, Assert.Single(LowBalance(t.Events)).Data["threshold"]);
    }

    [Fact]
    public async Task SettingAThreshold_ForAnAccountThatDoesNotExist_FailsAndWritesNothing()
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SetLowBalanceThresholdAsync("bob", 10));
        var bad = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SetLowBalanceThresholdAsync(User, -1));

        Assert.Equal("account 'bob' does not exist", ex.Message);
        Assert.Equal("threshold must be a whole number from 0 to 1000000000000 (got -1)", bad.Message);
        Assert.Equal(0, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM accounts WHERE kind = 'user'"));
        Assert.Equal(0, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM low_balance"));
    }

    [Fact]
    public async Task OncePerCrossing_HoldsAcrossTwoLedgersOnTheSameFile()
    {
        using var t = new TestLedger();
        using var other = t.OpenAnother(idTag: "b");
        var otherEvents = new List<LedgerEvent>();
        other.EventRaised += (_, e) => otherEvents.Add(e);

        await t.Ledger.SpendAsync(User, 950, "render");   // first process crosses: 50
        await other.SpendAsync(User, 10, "render");        // second, already below: nothing
        await other.GrantAsync(User, 500);                 // 540
        await t.Ledger.SpendAsync(User, 100, "render");    // 440: above, nothing
        await other.SpendAsync(User, 400, "render");       // 40: crossing again, in the second process

        Assert.Equal([50L], LowBalance(t.Events).Select(e => (long)e.Data["balance"]!));
        Assert.Equal([40L], LowBalance(otherEvents).Select(e => (long)e.Data["balance"]!));
    }

    [Fact]
    public async Task AFailedDebit_RaisesNothingAndRecordsNothing()
    {
        using var t = new TestLedger();

        await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync(User, 5000, "render"));

        Assert.Empty(LowBalance(t.Events));
        Assert.Equal(0, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM low_balance"));
    }
}
