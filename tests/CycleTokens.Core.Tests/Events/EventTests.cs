using CycleTokens.Core.Accounts;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Events;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Events;

/// <summary>Product spec section 11: the nine events, raised after commit, in order, with their data.</summary>
public sealed class EventTests
{
    private const string User = "alice";

    private static void AssertData(LedgerEvent e, params (string Key, object? Value)[] expected)
    {
        foreach (var (key, value) in expected)
        {
            Assert.True(e.Data.ContainsKey(key), $"{e.Name} has no '{key}'");
            Assert.Equal(value, e.Data[key]);
        }
    }

    [Fact]
    public async Task NewUser_RaisesTokenAddedForItsFirstAllowance()
    {
        using var t = new TestLedger();

        await t.Ledger.GetBalanceAsync(User);

        var e = Assert.Single(t.Events);
        Assert.Equal(LedgerEventNames.TokenAdded, e.Name);
        Assert.Equal(User, e.Account);
        Assert.Equal(TestLedger.Start, e.Timestamp);
        AssertData(e, ("amount", 1000L), ("source", "allowance"), ("transaction_id", "tx_000001"), ("balance", 1000L));
    }

    [Fact]
    public async Task Charge_RaisesTokenSpentWithAmountOperationSharesAndBalance()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync(User);
        t.Events.Clear();

        var charge = await t.Ledger.ChargeAsync(User, new ChargeRequest("ai.design_review") { CreatorId = "bob" });

        var e = Assert.Single(t.Events);
        Assert.Equal(LedgerEventNames.TokenSpent, e.Name);
        AssertData(
            e,
            ("amount", 15L),
            ("operation", "ai.design_review"),
            ("transaction_id", charge.TransactionId),
            ("creator_id", "bob"),
            ("creator_share", 11L), // round_half_up(15 × 70 / 100) = round(10.5) = 11
            ("platform_share", 4L),
            ("balance", 985L));
        Assert.True(e.BalanceChanged);
    }

    [Fact]
    public async Task Spend_RaisesTokenSpentWithAmountOperationAndBalance()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync(User);
        t.Events.Clear();

        var spend = await t.Ledger.SpendAsync(User, 42, "model.export.step");

        var e = Assert.Single(t.Events);
        Assert.Equal(LedgerEventNames.TokenSpent, e.Name);
        AssertData(e, ("amount", 42L), ("operation", "model.export.step"), ("transaction_id", spend.TransactionId), ("platform_share", 42L), ("balance", 958L));
    }

    [Fact]
    public async Task GrantPurchaseAndRefund_RaiseTokenAddedWithTheirSource()
    {
        using var t = new TestLedger();
        var charge = await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.step"));
        t.Events.Clear();

        var grant = await t.Ledger.GrantAsync(User, 100, "bonus");
        var purchase = await t.Ledger.CreatePurchaseAsync(User, 1000, "card");
        var completed = await t.Ledger.CompletePurchaseAsync(purchase.Purchase.Id);
        var refund = await t.Ledger.RefundAsync(charge.TransactionId, "test");

        Assert.Equal(
            [LedgerEventNames.TokenAdded, LedgerEventNames.PurchaseInitiated, LedgerEventNames.TokenAdded, LedgerEventNames.TokenAdded],
            t.Events.Select(e => e.Name));
        AssertData(t.Events[0], ("amount", 100L), ("source", "bonus"), ("transaction_id", grant.TransactionId), ("balance", 1090L));
        AssertData(
            t.Events[2],
            ("amount", 1000L),
            ("source", "purchase"),
            ("purchase_id", purchase.Purchase.Id),
            ("transaction_id", completed.Purchase.TransactionId),
            ("balance", 2090L));
        AssertData(
            t.Events[3],
            ("amount", 10L),
            ("source", "refund"),
            ("refunded_transaction_id", charge.TransactionId),
            ("transaction_id", refund.RefundTransactionId),
            ("balance", 2100L));
    }

    [Fact]
    public async Task CompletingACompletedPurchase_RaisesNothing()
    {
        using var t = new TestLedger();
        var purchase = await t.Ledger.CreatePurchaseAsync(User, 1000, "card");
        await t.Ledger.CompletePurchaseAsync(purchase.Purchase.Id);
        t.Events.Clear();

        await t.Ledger.CompletePurchaseAsync(purchase.Purchase.Id);

        Assert.Empty(t.Events);
    }

    [Fact]
    public async Task PurchaseCreation_RaisesPurchaseInitiatedWithIdTokensEurosAndMethod()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync(User);
        t.Events.Clear();

        var purchase = await t.Ledger.CreatePurchaseAsync(User, 5000, "usdc");

        var e = Assert.Single(t.Events);
        Assert.Equal(LedgerEventNames.PurchaseInitiated, e.Name);
        AssertData(e, ("purchase_id", purchase.Purchase.Id), ("tokens", 5000L), ("amount_eur", "50.00"), ("method", "usdc"));
        Assert.False(e.BalanceChanged);
    }

    [Fact]
    public async Task MonthTurn_RaisesMonthResetWithExpiredAllowanceAndBalance()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync(User, 50, "bonus");
        await t.Ledger.SpendAsync(User, 300, "model.export.step");
        t.Events.Clear();
        t.Clock.Advance(TimeSpan.FromDays(17)); // 2026-04-01T10:00Z

        await t.Ledger.GetBalanceAsync(User);

        var e = Assert.Single(t.Events);
        Assert.Equal(LedgerEventNames.MonthReset, e.Name);
        Assert.Equal(TestLedger.Start.AddDays(17), e.Timestamp);
        AssertData(
            e,
            ("month_start", new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero)),
            ("expired", 700L),
            ("allowance", 1000L),
            ("tier", "FREE"),
            ("balance", 1050L));
    }

    [Fact]
    public async Task SetTier_RaisesTierChanged_AndSettingItAgainRaisesNothing()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync(User, 50, "bonus");
        t.Events.Clear();

        await t.Ledger.SetTierAsync(User, Tier.Pro);
        await t.Ledger.SetTierAsync(User, Tier.Pro);

        var e = Assert.Single(t.Events);
        Assert.Equal(LedgerEventNames.TierChanged, e.Name);
        AssertData(e, ("old_tier", "FREE"), ("tier", "PRO"), ("allowance", 10_000L), ("balance", 10_050L));
    }

    [Fact]
    public async Task Escrows_RaiseCreatedReleasedAndCancelledWithTheirIds()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync(User);
        t.Events.Clear();

        var released = await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(300, "job1", "shop1"));
        var releasedTx = await t.Ledger.ReleaseEscrowAsync(User, released.Escrow.Id);
        var cancelled = await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(200, "job2", "shop2"));
        await t.Ledger.CancelEscrowAsync(User, cancelled.Escrow.Id);

        Assert.Equal(
            [LedgerEventNames.EscrowCreated, LedgerEventNames.EscrowReleased, LedgerEventNames.EscrowCreated, LedgerEventNames.EscrowCancelled],
            t.Events.Select(e => e.Name));
        AssertData(t.Events[0], ("escrow_id", released.Escrow.Id), ("amount", 300L), ("job_id", "job1"), ("fab_id", "shop1"), ("balance", 700L));
        AssertData(t.Events[1], ("escrow_id", released.Escrow.Id), ("amount", 300L), ("job_id", "job1"), ("fab_id", "shop1"));
        Assert.IsType<string>(t.Events[1].Data["transaction_id"]);
        Assert.Equal(700L, releasedTx.BalanceAfter);
        AssertData(t.Events[2], ("escrow_id", cancelled.Escrow.Id), ("amount", 200L), ("balance", 500L));
        AssertData(
            t.Events[3],
            ("escrow_id", cancelled.Escrow.Id),
            ("amount", 200L),
            ("returned", 200L),
            ("expired", 0L),
            ("reason", "cancelled"),
            ("job_id", "job2"),
            ("balance", 700L));
    }

    [Fact]
    public async Task ExpiredEscrow_RaisesEscrowCancelledWithReasonExpired()
    {
        using var t = new TestLedger();
        var escrow = await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(300, "job1", "shop1") { ExpiresInHours = 2 });
        t.Events.Clear();
        t.Clock.Advance(TimeSpan.FromHours(2));

        await t.Ledger.GetBalanceAsync(User);

        var e = Assert.Single(t.Events);
        Assert.Equal(LedgerEventNames.EscrowCancelled, e.Name);
        AssertData(e, ("escrow_id", escrow.Escrow.Id), ("reason", "expired"), ("returned", 300L), ("balance", 1000L));
    }

    [Fact]
    public async Task Clear_RaisesDataCleared()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync(User, 200, "bonus");
        t.Events.Clear();

        await t.Ledger.ClearAccountAsync(User, "clear alice");

        var e = Assert.Single(t.Events);
        Assert.Equal(LedgerEventNames.DataCleared, e.Name);
        AssertData(e, ("cleared", 1200L), ("cancelled_escrows", 0L), ("balance", 1000L));
    }

    [Fact]
    public async Task Events_ComeInTheOrderOfTheChanges()
    {
        using var t = new TestLedger();

        await t.Ledger.SpendAsync(User, 5, "model.export.step");     // creates the user first
        t.Clock.Advance(TimeSpan.FromDays(17));                       // April
        await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.stl")); // month reset first

        Assert.Equal(
            [LedgerEventNames.TokenAdded, LedgerEventNames.TokenSpent, LedgerEventNames.MonthReset, LedgerEventNames.TokenSpent],
            t.Events.Select(e => e.Name));
        Assert.Equal([1000L, 995L, 1000L, 998L], t.Events.Select(e => (long)e.Data["balance"]!));
    }

    [Fact]
    public async Task FailingCall_RaisesNothing()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync(User);
        t.Events.Clear();

        await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync(User, 5000, "model.export.step"));
        await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync(User, 5000, "model.export.step", idempotencyKey: "k"));
        await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.CreateEscrowAsync(User, new EscrowRequest(5000, "job", "shop")));
        await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ReleaseEscrowAsync(User, "esc_999999"));
        await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ClearAccountAsync(User, "no"));

        Assert.Empty(t.Events);
    }

    [Fact]
    public async Task FailingCallForANewUser_RaisesNotEvenTheFirstAllowance()
    {
        using var t = new TestLedger();

        await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync(User, 5000, "model.export.step"));

        Assert.Empty(t.Events);
        Assert.Equal(0, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions"));
    }

    [Fact]
    public async Task ReplayedCall_RaisesNothing()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync(User, 5, "model.export.step", idempotencyKey: "k");
        t.Events.Clear();

        await t.Ledger.SpendAsync(User, 5, "model.export.step", idempotencyKey: "k");

        Assert.Empty(t.Events);
    }

    [Fact]
    public async Task Events_AreRaisedOnlyAfterTheirChangeIsCommitted()
    {
        using var t = new TestLedger();
        var seen = new List<(string Name, long Committed)>();
        t.Ledger.EventRaised += (_, e) =>
        {
            // Another connection sees the change already: the write transaction has committed.
            var id = e.Data.TryGetValue("transaction_id", out var tx) ? (string)tx! : null;
            var committed = id is null
                ? RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM purchases")
                : RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions WHERE id = $id", ("$id", id));
            seen.Add((e.Name, committed));
        };

        await t.Ledger.SpendAsync(User, 5, "model.export.step");
        await t.Ledger.CreatePurchaseAsync(User, 1000, "card");

        Assert.Equal(
            [(LedgerEventNames.TokenAdded, 1L), (LedgerEventNames.TokenSpent, 1L), (LedgerEventNames.PurchaseInitiated, 1L)],
            seen);
    }

    [Fact]
    public async Task ThrowingSubscriber_DoesNotUndoTheChangeOrFailTheCall()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync(User);
        t.Ledger.EventRaised += (_, _) => throw new InvalidOperationException("subscriber bug");

        var spend = await t.Ledger.SpendAsync(User, 5, "model.export.step");

        Assert.Equal(995, spend.BalanceAfter);
        Assert.Equal(995, (await t.Ledger.GetBalanceAsync(User)).Total);
        Assert.Equal(LedgerEventNames.TokenSpent, t.Events[^1].Name);
    }
}
