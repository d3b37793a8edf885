using CycleTokens.Core.Accounts;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Events;
using CycleTokens.Core.History;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Accounts;

public sealed class AccountTests
{
    private const string AccountRule = "must be 1-64 characters of A-Z, a-z, 0-9, '.', '_', ':', '@', '-'";

    [Fact]
    public async Task NewUser_IsCreatedOnFirstUse_WithFreeTierAndThisMonthsAllowance()
    {
        using var t = new TestLedger();

        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal("alice", balance.Account);
        Assert.Equal(1000, balance.Total);
        Assert.Equal(1000, balance.Allowance);
        Assert.Equal(0, balance.Purchased);
        Assert.Equal(0, balance.HeldInEscrow);
        Assert.Equal(Tier.Free, balance.Tier.Tier);
        Assert.Equal(1000, balance.Tier.TokensPerMonth);
        Assert.Equal(1000, balance.RemainingThisMonth);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), balance.MonthStart);
        Assert.Equal(new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero), balance.NextReset);
        Assert.Equal(1, LedgerChecks.CountKind(t.DatabasePath, "alice", "allowance"));
        Assert.Equal(-1000, LedgerChecks.Balance(t.DatabasePath, AccountNames.SystemAllowance));
        var added = Assert.Single(t.Events);
        Assert.Equal(LedgerEventNames.TokenAdded, added.Name);
        Assert.Equal("allowance", added.Data["source"]);
        Assert.Equal(1000L, added.Data["amount"]);
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task NewUser_FirstCallIsACharge_ChargesTheFreshAllowance()
    {
        using var t = new TestLedger();

        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step"));
        var history = await t.Ledger.GetHistoryAsync("alice", new HistoryQuery());

        Assert.Equal(990, charge.BalanceAfter);
        Assert.Equal([TransactionKind.Charge, TransactionKind.Allowance], history.Transactions.Select(x => x.Kind));
    }

    [Fact]
    public async Task NewUser_TouchedTwice_IsCreatedOnce()
    {
        using var t = new TestLedger();

        await t.Ledger.GetBalanceAsync("alice");
        await t.Ledger.GetBalanceAsync("alice");
        await t.Ledger.SpendAsync("alice", 1, "x");

        Assert.Equal(1, LedgerChecks.CountKind(t.DatabasePath, "alice", "allowance"));
        Assert.Equal(999, (await t.Ledger.GetBalanceAsync("alice")).Total);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("0")]
    [InlineData("A.b_c:d@e-1")]
    [InlineData("user@example.com")]
    [InlineData("org:team:member")]
    [InlineData("Platform")]
    [InlineData("platforms")]
    [InlineData("system")]
    [InlineData("my:creator:x")]
    public async Task UserId_OfTheAllowedCharacters_IsAccepted(string id)
    {
        using var t = new TestLedger();

        var balance = await t.Ledger.GetBalanceAsync(id);

        Assert.Equal(id, balance.Account);
        Assert.Equal(1000, balance.Total);
    }

    [Fact]
    public async Task UserId_Of64Characters_IsAccepted()
    {
        using var t = new TestLedger();
        var id = new string('x', 64);

        var balance = await t.Ledger.GetBalanceAsync(id);

        Assert.Equal(1000, balance.Total);
    }

    [Theory]
    [InlineData("", "\"\"")]
    [InlineData("al ice", "\"al ice\"")]
    [InlineData("alice/1", "\"alice/1\"")]
    [InlineData("a+b", "\"a+b\"")]
    [InlineData("a#b", "\"a#b\"")]
    [InlineData("ålice", "\"ålice\"")]
    [InlineData("alice\n", "\"alice\\u000a\"")]
    [InlineData("alice\0", "\"alice\\u0000\"")]
    public async Task UserId_WithInvalidCharacters_IsRejectedNamingTheField(string id, string shown)
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.GetBalanceAsync(id));

        Assert.Equal(LedgerErrorCode.InvalidArgument, ex.Code);
        Assert.Equal("account", ex.Field);
        Assert.Equal($"account {AccountRule} (got {shown})", ex.Message);
        Assert.Equal(0, LedgerChecks.Counts(t.DatabasePath).Accounts);
    }

    [Fact]
    public async Task UserId_Of65Characters_IsRejected()
    {
        using var t = new TestLedger();
        var id = new string('x', 65);

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync(id, 1, "x"));

        Assert.Equal("account", ex.Field);
        Assert.StartsWith($"account {AccountRule} (got \"xxxx", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, LedgerChecks.Counts(t.DatabasePath).Transactions);
    }

    [Fact]
    public async Task UserId_Null_IsRejected()
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.GetBalanceAsync(null!));

        Assert.Equal($"account {AccountRule} (got nothing)", ex.Message);
    }

    [Theory]
    [InlineData("creator:bob")]
    [InlineData("fab:shop")]
    [InlineData("system:allowance")]
    [InlineData("system:expired")]
    [InlineData("system:payments")]
    [InlineData("system:grants")]
    [InlineData("escrow:esc_000001")]
    [InlineData("hold:res_000001")]
    [InlineData("platform")]
    public async Task UserId_WithReservedName_IsRejectedForEveryCall(string id)
    {
        using var t = new TestLedger();
        var message = $"account must not start with a reserved prefix (creator:, fab:, system:, escrow:, hold:) or be 'platform' (got \"{id}\")";

        var calls = new Func<Task>[]
        {
            () => t.Ledger.GetBalanceAsync(id),
            () => t.Ledger.ChargeAsync(id, new ChargeRequest("model.export.step")),
            () => t.Ledger.SpendAsync(id, 5, "x"),
            () => t.Ledger.GrantAsync(id, 5),
            () => t.Ledger.CreateEscrowAsync(id, new EscrowRequest(5, "job", "shop")),
            () => t.Ledger.CreatePurchaseAsync(id, 1000, "card"),
            () => t.Ledger.SetTierAsync(id, Tier.Pro),
            () => t.Ledger.EstimateAsync(id, "model.export.step"),
        };
        foreach (var call in calls)
        {
            var ex = await Assert.ThrowsAsync<LedgerException>(call);
            Assert.Equal(LedgerErrorCode.InvalidArgument, ex.Code);
            Assert.Equal("account", ex.Field);
            Assert.Equal(message, ex.Message);
        }

        Assert.Equal(0, LedgerChecks.Counts(t.DatabasePath).Transactions);
        Assert.Equal(0, LedgerChecks.Counts(t.DatabasePath).Accounts);
    }

    [Fact]
    public async Task CreatorId_IsNamespaced_AsCreatorAccount()
    {
        using var t = new TestLedger();

        await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { CreatorId = "bob" });
        var creators = await t.Ledger.ListAccountsAsync(AccountKind.Creator);

        var creator = Assert.Single(creators.Accounts);
        Assert.Equal("creator:bob", creator.Account);
        Assert.Equal(AccountKind.Creator, creator.Kind);
        Assert.Null(creator.Tier);
        Assert.Equal(7, creator.Balance);
        Assert.False(LedgerChecks.Exists(t.DatabasePath, "bob"));
    }

    [Theory]
    [InlineData("system:expired")]
    [InlineData("system:grants")]
    [InlineData("platform")]
    [InlineData("alice")]
    [InlineData("creator:bob")]
    public async Task CreatorId_NamingAUserOrSystemAccount_CreditsOnlyTheCreatorNamespace(string creatorId)
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        await t.Ledger.GetBalanceAsync("carol");

        var charge = await t.Ledger.ChargeAsync("carol", new ChargeRequest("model.export.step") { CreatorId = creatorId });

        Assert.Equal(7, charge.CreatorShare);
        Assert.Equal(7, LedgerChecks.Balance(t.DatabasePath, "creator:" + creatorId));
        Assert.Equal(3, LedgerChecks.Balance(t.DatabasePath, AccountNames.Platform));
        Assert.Equal(1000, (await t.Ledger.GetBalanceAsync("alice")).Total);
        Assert.Equal(0, LedgerChecks.Balance(t.DatabasePath, "system:expired"));
        Assert.Equal(0, LedgerChecks.Balance(t.DatabasePath, "system:grants"));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Theory]
    [InlineData("bob")]
    [InlineData("system:grants")]
    [InlineData("platform")]
    public async Task FabId_NamingAUserOrSystemAccount_CreditsOnlyTheFabNamespace(string fabId)
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("bob");

        var escrow = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(300, "job-1", fabId));
        await t.Ledger.ReleaseEscrowAsync("alice", escrow.Escrow.Id);

        Assert.Equal(300, LedgerChecks.Balance(t.DatabasePath, "fab:" + fabId));
        Assert.Equal(1000, (await t.Ledger.GetBalanceAsync("bob")).Total);
        Assert.Equal(0, LedgerChecks.Balance(t.DatabasePath, "system:grants"));
        Assert.Equal(0, LedgerChecks.Balance(t.DatabasePath, "platform"));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task ListAccounts_ShowsEachKindWithItsBalance()
    {
        using var t = new TestLedger();
        await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { CreatorId = "bob" });
        var escrow = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(100, "job", "shop"));
        await t.Ledger.ReleaseEscrowAsync("alice", escrow.Escrow.Id);

        var page = await t.Ledger.ListAccountsAsync();

        Assert.Equal(
            [
                ("alice", AccountKind.User, (Tier?)Tier.Free, 890L),
                ("creator:bob", AccountKind.Creator, null, 7L),
                ("escrow:" + escrow.Escrow.Id, AccountKind.Escrow, null, 0L),
                ("fab:shop", AccountKind.Fab, null, 100L),
                ("platform", AccountKind.Platform, null, 3L),
                ("system:allowance", AccountKind.System, null, -1000L),
            ],
            page.Accounts.Select(a => (a.Account, a.Kind, a.Tier, a.Balance)));
    }

    [Fact]
    public async Task Spend_DrawsAllowanceBeforePurchased()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 500);

        var first = await t.Ledger.SpendAsync("alice", 300, "x");
        var afterFirst = await t.Ledger.GetBalanceAsync("alice");
        var second = await t.Ledger.SpendAsync("alice", 900, "x");
        var afterSecond = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal((700L, 500L), (afterFirst.Allowance, afterFirst.Purchased));
        Assert.Equal(-300, LedgerChecks.Posted(t.DatabasePath, first.TransactionId, "alice", "allowance"));
        Assert.Equal(0, LedgerChecks.Posted(t.DatabasePath, first.TransactionId, "alice", "purchased"));
        Assert.Equal((0L, 300L, 300L), (afterSecond.Allowance, afterSecond.Purchased, afterSecond.Total));
        Assert.Equal(-700, LedgerChecks.Posted(t.DatabasePath, second.TransactionId, "alice", "allowance"));
        Assert.Equal(-200, LedgerChecks.Posted(t.DatabasePath, second.TransactionId, "alice", "purchased"));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Charge_DrawsAllowanceBeforePurchased()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 500);
        await t.Ledger.SpendAsync("alice", 900, "x");

        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.download.parametric") { CreatorId = "bob" });
        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal(-100, LedgerChecks.Posted(t.DatabasePath, charge.TransactionId, "alice", "allowance"));
        Assert.Equal(-100, LedgerChecks.Posted(t.DatabasePath, charge.TransactionId, "alice", "purchased"));
        Assert.Equal((0L, 400L), (balance.Allowance, balance.Purchased));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Escrow_HoldDrawsAllowanceBeforePurchased()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 500);

        await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(1200, "job", "shop"));
        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal((0L, 300L, 300L, 1200L), (balance.Allowance, balance.Purchased, balance.Total, balance.HeldInEscrow));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Purchased_NeverExpires_AtMonthReset()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 500);
        await t.Ledger.SpendAsync("alice", 100, "x");

        t.Clock.SetUtcNow(new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero));
        var april = await t.Ledger.GetBalanceAsync("alice");
        t.Clock.SetUtcNow(new DateTimeOffset(2027, 1, 20, 0, 0, 0, TimeSpan.Zero));
        var nextYear = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal((1000L, 500L, 1500L), (april.Allowance, april.Purchased, april.Total));
        Assert.Equal((1000L, 500L, 1500L), (nextYear.Allowance, nextYear.Purchased, nextYear.Total));
        Assert.Equal(900 + 1000, LedgerChecks.Balance(t.DatabasePath, AccountNames.SystemExpired));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task UserBalance_CanReachZeroButNotBelow()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 20);

        var spend = await t.Ledger.SpendAsync("alice", 1020, "x");
        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync("alice", 1, "x"));

        Assert.Equal(0, spend.BalanceAfter);
        Assert.Equal("Insufficient tokens: have 0, need 1", ex.Message);
        Assert.Equal(0, (await t.Ledger.GetBalanceAsync("alice")).Total);
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }
}
