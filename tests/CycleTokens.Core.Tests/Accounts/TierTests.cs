using CycleTokens.Core.Accounts;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Events;
using CycleTokens.Core.History;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Accounts;

public sealed class TierTests
{
    [Fact]
    public async Task SetTier_ExpiresCurrentAllowance_AndGrantsNewTiersFullAllowance()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync("alice", 200, "x");

        var change = await t.Ledger.SetTierAsync("alice", Tier.Pro);
        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.True(change.Changed);
        Assert.Equal(Tier.Free, change.OldTier);
        Assert.Equal(Tier.Pro, change.NewTier.Tier);
        Assert.Equal(10000, change.Balance);
        Assert.Equal((10000L, 0L, 10000L), (balance.Allowance, balance.Purchased, balance.Total));
        Assert.Equal(Tier.Pro, balance.Tier.Tier);
        Assert.Equal(800, LedgerChecks.Balance(t.DatabasePath, AccountNames.SystemExpired));
        var history = await t.Ledger.GetHistoryAsync("alice", new HistoryQuery { Limit = 2 });
        Assert.Equal(
            [(TransactionKind.Allowance, 10000L), (TransactionKind.Expiry, 800L)],
            history.Transactions.Select(x => (x.Kind, x.Amount)));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task SetTier_LeavesPurchasedTokensUntouched()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 250);
        await t.Ledger.SpendAsync("alice", 1100, "x"); // allowance 0, purchased 150

        await t.Ledger.SetTierAsync("alice", Tier.Enterprise);
        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal((100000L, 150L, 100150L), (balance.Allowance, balance.Purchased, balance.Total));
        Assert.Equal(0, LedgerChecks.CountKind(t.DatabasePath, "alice", "expiry"));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task SetTier_RaisesTierChangedEvent()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        t.Events.Clear();

        await t.Ledger.SetTierAsync("alice", Tier.Pro);

        var changed = Assert.Single(t.Events);
        Assert.Equal(LedgerEventNames.TierChanged, changed.Name);
        Assert.Equal("alice", changed.Account);
        Assert.Equal("FREE", changed.Data["old_tier"]);
        Assert.Equal("PRO", changed.Data["tier"]);
        Assert.Equal(10000L, changed.Data["allowance"]);
        Assert.Equal(10000L, changed.Data["balance"]);
    }

    [Theory]
    [InlineData(Tier.Free)]
    [InlineData(Tier.Pro)]
    [InlineData(Tier.Enterprise)]
    public async Task SetTier_SameTierAgain_ChangesNothing(Tier tier)
    {
        using var t = new TestLedger();
        await t.Ledger.SetTierAsync("alice", tier);
        await t.Ledger.SpendAsync("alice", 300, "x");
        var before = LedgerChecks.Counts(t.DatabasePath);
        t.Events.Clear();

        var again = await t.Ledger.SetTierAsync("alice", tier);

        Assert.False(again.Changed);
        Assert.Equal(tier, again.OldTier);
        Assert.Equal(tier, again.NewTier.Tier);
        Assert.Equal(t.Ledger.Catalog.Tiers[tier].TokensPerMonth - 300, again.Balance);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
        Assert.Empty(t.Events);
    }

    [Fact]
    public async Task SetTier_Downgrade_GrantsTheLowerAllowance()
    {
        using var t = new TestLedger();
        await t.Ledger.SetTierAsync("alice", Tier.Enterprise);
        await t.Ledger.SpendAsync("alice", 1000, "x");

        var change = await t.Ledger.SetTierAsync("alice", Tier.Free);

        Assert.Equal(Tier.Enterprise, change.OldTier);
        Assert.Equal(1000, change.Balance);
        Assert.Equal(99000 + 1000, LedgerChecks.Balance(t.DatabasePath, AccountNames.SystemExpired));
    }

    [Fact]
    public async Task SetTier_AllowanceFullySpent_RecordsNoExpiry()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync("alice", 1000, "x");

        await t.Ledger.SetTierAsync("alice", Tier.Pro);

        Assert.Equal(0, LedgerChecks.CountKind(t.DatabasePath, "alice", "expiry"));
        Assert.Equal(10000, (await t.Ledger.GetBalanceAsync("alice")).Total);
    }

    [Fact]
    public async Task SetTier_NextMonth_ResetGrantsTheNewTiersAllowance()
    {
        using var t = new TestLedger();
        await t.Ledger.SetTierAsync("alice", Tier.Pro);

        t.Clock.SetUtcNow(new DateTimeOffset(2026, 4, 2, 0, 0, 0, TimeSpan.Zero));
        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal(10000, balance.Allowance);
        Assert.Equal(Tier.Pro, balance.Tier.Tier);
        Assert.Equal(80, balance.Tier.CreatorRoyaltyPct);
    }

    [Fact]
    public async Task SetTier_UndefinedTier_IsRejectedNamingTheField()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        var before = LedgerChecks.Counts(t.DatabasePath);

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SetTierAsync("alice", (Tier)7));

        Assert.Equal(LedgerErrorCode.InvalidArgument, ex.Code);
        Assert.Equal("tier", ex.Field);
        Assert.Equal("tier must be one of FREE, PRO, ENTERPRISE (got 7)", ex.Message);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
    }

    [Theory]
    [InlineData("FREE", Tier.Free)]
    [InlineData("PRO", Tier.Pro)]
    [InlineData("ENTERPRISE", Tier.Enterprise)]
    public void TierNames_RoundTripWireNames(string name, Tier tier)
    {
        Assert.Equal(tier, TierNames.Parse(name));
        Assert.Equal(name, tier.ToWireName());
    }

    [Theory]
    [InlineData("pro")]
    [InlineData("GOLD")]
    [InlineData("")]
    public void TierNames_UnknownName_IsRejectedNamingTheField(string name)
    {
        var ex = Assert.Throws<LedgerException>(() => TierNames.Parse(name));

        Assert.Equal("tier", ex.Field);
        Assert.Equal($"tier must be one of FREE, PRO, ENTERPRISE (got \"{name}\")", ex.Message);
    }

    [Theory]
    [InlineData(Tier.Free, 7, 3)]
    [InlineData(Tier.Pro, 8, 2)]
    [InlineData(Tier.Enterprise, 9, 1)]
    public async Task Charge_CreatorRoyalty_FollowsThePayingUsersTier(Tier tier, long creator, long platform)
    {
        using var t = new TestLedger();
        await t.Ledger.SetTierAsync("alice", tier);

        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { CreatorId = "bob" });

        Assert.Equal((10L, creator, platform), (charge.Charged, charge.CreatorShare, charge.PlatformShare));
    }
}
