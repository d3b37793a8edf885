using CycleTokens.Core.Accounts;
using CycleTokens.Core.Admin;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Reservations;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Admin;

/// <summary>The operator's account listing: every kind, ordered by id, with a limit and a cursor.</summary>
public sealed class ListAccountsTests
{
    /// <summary>alice (PRO) and bob, a creator, a fab paid by a released escrow, the platform and two issuers.</summary>
    private static async Task<string> SeedAsync(TestLedger t)
    {
        await t.Ledger.SetTierAsync("alice", Tier.Pro);
        await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { CreatorId = "carol" });
        var escrow = await t.Ledger.CreateEscrowAsync("bob", new EscrowRequest(300, "job", "shop1"));
        await t.Ledger.ReleaseEscrowAsync("bob", escrow.Escrow.Id);
        return escrow.Escrow.Id;
    }

    [Fact]
    public async Task ListAccounts_WithoutKind_ListsEveryAccountByIdWithKindTierAndBalance()
    {
        using var t = new TestLedger();
        var escrowId = await SeedAsync(t);

        var page = await t.Ledger.ListAccountsAsync();

        Assert.Equal(
            [
                ("alice", AccountKind.User, (Tier?)Tier.Pro, 9990L),
                ("bob", AccountKind.User, Tier.Free, 700L),
                ("creator:carol", AccountKind.Creator, null, 8L),
                ("escrow:" + escrowId, AccountKind.Escrow, null, 0L),
                ("fab:shop1", AccountKind.Fab, null, 300L),
                ("platform", AccountKind.Platform, null, 2L),
                ("system:allowance", AccountKind.System, null, -12_000L),
                ("system:expired", AccountKind.System, null, 1000L),
            ],
            page.Accounts.Select(a => (a.Account, a.Kind, a.Tier, a.Balance)));
        Assert.Null(page.NextCursor);
        Assert.Equal(0, page.Accounts.Sum(a => a.Balance));
    }

    [Theory]
    [InlineData(AccountKind.User, new[] { "alice", "bob" })]
    [InlineData(AccountKind.Creator, new[] { "creator:carol" })]
    [InlineData(AccountKind.Fab, new[] { "fab:shop1" })]
    [InlineData(AccountKind.Platform, new[] { "platform" })]
    [InlineData(AccountKind.System, new[] { "system:allowance", "system:expired" })]
    public async Task ListAccounts_OfOneKind_ListsOnlyThatKind(AccountKind kind, string[] ids)
    {
        using var t = new TestLedger();
        await SeedAsync(t);

        var page = await t.Ledger.ListAccountsAsync(kind);

        Assert.Equal(ids, page.Accounts.Select(a => a.Account));
        Assert.All(page.Accounts, a => Assert.Equal(kind, a.Kind));
    }

    [Fact]
    public async Task ListAccounts_ListsTheHoldsOfHeldReservations_WithTheStoredAccountsById_AndPagesAcrossBoth()
    {
        using var t = new TestLedger();
        var held = await t.Ledger.ReserveAsync("alice", new ReservationRequest("cam.cnc_toolpath") { Quantity = 2 }); // 150
        var settled = await t.Ledger.ReserveAsync("alice", new ReservationRequest("ai.design_review"));
        await t.Ledger.SettleReservationAsync("alice", settled.Reservation.Id);
        var bobs = await t.Ledger.ReserveAsync("bob", new ReservationRequest("cam.laser_path")); // 30

        var holds = await t.Ledger.ListAccountsAsync(AccountKind.Hold);
        var pages = new List<AccountPage>([await t.Ledger.ListAccountsAsync(limit: 2)]);
        while (pages[^1].NextCursor is { } cursor)
        {
            pages.Add(await t.Ledger.ListAccountsAsync(limit: 2, cursor: cursor));
        }

        // An ended reservation's hold holds nothing and is not listed.
        Assert.Equal(
            [("hold:" + held.Reservation.Id, 150L), ("hold:" + bobs.Reservation.Id, 30L)],
            holds.Accounts.Select(a => (a.Account, a.Balance)).Order());
        Assert.All(holds.Accounts, a => Assert.Equal((AccountKind.Hold, (Tier?)null), (a.Kind, a.Tier)));
        var all = pages.SelectMany(p => p.Accounts).ToList();
        Assert.Equal(all.Select(a => a.Account).Order(StringComparer.Ordinal), all.Select(a => a.Account));
        Assert.Equal(
            new[] { "alice", "bob", "hold:" + held.Reservation.Id, "hold:" + bobs.Reservation.Id, "platform", "system:allowance" }.Order(StringComparer.Ordinal),
            all.Select(a => a.Account));
        Assert.Equal(0, all.Sum(a => a.Balance));
    }

    [Fact]
    public async Task ListAccounts_PagedWithTheCursor_ReturnsEveryAccountOnce()
    {
        using var t = new TestLedger();
        foreach (var user in new[] { "u5", "u3", "u1", "u4", "u2" })
        {
            await t.Ledger.GetBalanceAsync(user);
        }

        var first = await t.Ledger.ListAccountsAsync(AccountKind.User, limit: 2);
        var second = await t.Ledger.ListAccountsAsync(AccountKind.User, limit: 2, cursor: first.NextCursor);
        var third = await t.Ledger.ListAccountsAsync(AccountKind.User, limit: 2, cursor: second.NextCursor);

        Assert.Equal(["u1", "u2"], first.Accounts.Select(a => a.Account));
        Assert.Equal(["u3", "u4"], second.Accounts.Select(a => a.Account));
        Assert.Equal(["u5"], third.Accounts.Select(a => a.Account));
        Assert.NotNull(first.NextCursor);
        Assert.NotNull(second.NextCursor);
        Assert.Null(third.NextCursor);
    }

    [Fact]
    public async Task ListAccounts_WithExactlyLimitAccounts_ReturnsNoCursor()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("u1");
        await t.Ledger.GetBalanceAsync("u2");

        var page = await t.Ledger.ListAccountsAsync(AccountKind.User, limit: 2);

        Assert.Equal(2, page.Accounts.Count);
        Assert.Null(page.NextCursor);
    }

    [Fact]
    public async Task ListAccounts_WithLimit_ReturnsAtMostThatMany()
    {
        using var t = new TestLedger();
        await SeedAsync(t);

        var one = await t.Ledger.ListAccountsAsync(limit: 1);
        var thousand = await t.Ledger.ListAccountsAsync(limit: 1000);

        Assert.Equal(["alice"], one.Accounts.Select(a => a.Account));
        Assert.NotNull(one.NextCursor);
        Assert.Equal(8, thousand.Accounts.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public async Task ListAccounts_WithLimitOutOfRange_IsRejectedNamingLimit(int limit)
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(async () => await t.Ledger.ListAccountsAsync(limit: limit));

        Assert.Equal(LedgerErrorCode.InvalidArgument, ex.Code);
        Assert.Equal("limit", ex.Field);
    }

    [Theory]
    [InlineData("not a cursor!")]
    [InlineData("")]
    public async Task ListAccounts_WithABogusCursor_IsRejectedNamingCursor(string cursor)
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(async () => await t.Ledger.ListAccountsAsync(cursor: cursor));

        Assert.Equal(LedgerErrorCode.InvalidArgument, ex.Code);
        Assert.Equal("cursor", ex.Field);
    }
}
