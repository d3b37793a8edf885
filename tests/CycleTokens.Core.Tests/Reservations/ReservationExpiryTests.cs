using CycleTokens.Core.Events;
using CycleTokens.Core.Reservations;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Reservations;

/// <summary>Expiry by touch and by the sweep, and holds that outlive their month (agent-billing spec §1).</summary>
public sealed class ReservationExpiryTests
{
    private static readonly DateTimeOffset March31Late = new(2026, 3, 31, 23, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset April1 = new(2026, 4, 1, 0, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task Expiry_TheNextTouchAtOrAfterIt_ReturnsTheWholeHold()
    {
        using var t = new TestLedger();
        var id = (await t.Ledger.ReserveAsync("alice", new ReservationRequest("model.export.step"))).Reservation.Id;
        t.Clock.Advance(TimeSpan.FromMinutes(15) - TimeSpan.FromMilliseconds(1));

        Assert.Equal(10, (await t.Ledger.GetBalanceAsync("alice")).HeldInReservations);
        t.Clock.Advance(TimeSpan.FromMilliseconds(1));
        t.Events.Clear();
        var balance = await t.Ledger.GetBalanceAsync("alice");
        var reservation = await t.Ledger.GetReservationAsync("alice", id);

        Assert.Equal((1000L, 0L), (balance.Total, balance.HeldInReservations));
        Assert.Equal(ReservationStatus.Expired, reservation.Status);
        Assert.Equal(TestLedger.Start.AddMinutes(15), reservation.EndedAt);
        Assert.Equal((10L, 0L), (reservation.Released!.Value, reservation.Expired!.Value));
        var e = Assert.Single(t.Events);
        Assert.Equal((LedgerEventNames.ReservationExpired, id, "expired", 10L, 1000L), (e.Name, e.Data["reservation_id"], e.Data["reason"], e.Data["released"], e.Data["balance"]));
        Assert.Equal(0, LedgerChecks.Balance(t.DatabasePath, "hold:" + id));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Settle_OfAnExpiredReservation_FailsAndTheExpiryStays_AKeyedRetryReplaysTheFailure()
    {
        using var t = new TestLedger();
        var id = (await t.Ledger.ReserveAsync("alice", new ReservationRequest("model.export.step") { ExpiresInSeconds = 30 })).Reservation.Id;
        t.Clock.Advance(TimeSpan.FromSeconds(31));

        var first = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SettleReservationAsync("alice", id, idempotencyKey: "settle-1"));
        var retry = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SettleReservationAsync("alice", id, idempotencyKey: "settle-1"));

        Assert.Equal((LedgerErrorCode.ReservationExpired, $"Reservation {id} has expired", false), (first.Code, first.Message, first.Replayed));
        Assert.Equal((LedgerErrorCode.ReservationExpired, $"Reservation {id} has expired", true), (retry.Code, retry.Message, retry.Replayed));
        // The expiry was owed whatever the settle's outcome: it is committed, the settle is not.
        Assert.Equal("expired", RawText(t, $"SELECT status FROM reservations WHERE id = '{id}'"));
        Assert.Equal(0, LedgerChecks.CountKind(t.DatabasePath, "alice", "charge"));
        Assert.Equal(1000, LedgerChecks.Balance(t.DatabasePath, "alice"));
    }

    [Fact]
    public async Task Settle_InTheNextMonth_TheRestOfTheAllowancePartExpires_AndARefundOfItsChargeExpiresToo()
    {
        using var t = new TestLedger(start: March31Late);
        var id = await HoldAcrossTheMonthAsync(t, expiresInSeconds: 86_400);
        t.Clock.SetUtcNow(April1);
        t.Events.Clear();

        // 4 units: 40 tokens, all from the 50 of March's allowance held; its other 10 expire; the 25 purchased return.
        var settled = await t.Ledger.SettleReservationAsync("alice", id, quantity: 4);
        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal((40L, 25L, 10L), (settled.Charge!.Charged, settled.Reservation.Released!.Value, settled.Reservation.Expired!.Value));
        Assert.Equal(1100, settled.BalanceAfter);
        Assert.Equal((1000L, 100L, 40L), (balance.Allowance, balance.Purchased, balance.UsedThisMonth));
        Assert.Equal(10, LedgerChecks.Balance(t.DatabasePath, "system:expired"));
        Assert.Equal([LedgerEventNames.MonthReset, LedgerEventNames.TokenSpent, LedgerEventNames.ReservationSettled], t.Events.Select(e => e.Name));

        var refund = await t.Ledger.RefundAsync(settled.Charge.TransactionId, "failed job");

        // The charge's allowance part was March's: like any charge of an ended month, a refund expires it.
        Assert.Equal((0L, 40L, 1100L), (refund.Refunded, refund.Expired, refund.BalanceAfter));
        Assert.Equal(50, LedgerChecks.Balance(t.DatabasePath, "system:expired"));
        LedgerChecks.AssertBalanced(t.DatabasePath);
        Assert.True((await t.Ledger.VerifyAsync()).Ok);
    }

    [Fact]
    public async Task Void_InTheNextMonth_TheAllowancePartExpires_ThePurchasedPartReturns()
    {
        using var t = new TestLedger(start: March31Late);
        var id = await HoldAcrossTheMonthAsync(t, expiresInSeconds: 86_400);
        t.Clock.SetUtcNow(April1);

        var voided = await t.Ledger.VoidReservationAsync("alice", id);

        Assert.Equal((25L, 50L, 1100L), (voided.Reservation.Released!.Value, voided.Reservation.Expired!.Value, voided.BalanceAfter));
        Assert.Equal(50, LedgerChecks.Balance(t.DatabasePath, "system:expired"));
        Assert.Equal(100, (await t.Ledger.GetBalanceAsync("alice")).Purchased);
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Expiry_PastTheMonthEnd_OnTheFirstTouchOfTheNewMonth_ExpiresTheAllowancePart()
    {
        using var t = new TestLedger(start: March31Late);
        var id = await HoldAcrossTheMonthAsync(t, expiresInSeconds: 3_600); // expires at midnight
        t.Clock.SetUtcNow(April1);
        t.Events.Clear();

        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal((1000L, 100L, 0L), (balance.Allowance, balance.Purchased, balance.HeldInReservations));
        var reservation = await t.Ledger.GetReservationAsync("alice", id);
        Assert.Equal((ReservationStatus.Expired, 25L, 50L), (reservation.Status, reservation.Released!.Value, reservation.Expired!.Value));
        Assert.Equal([LedgerEventNames.MonthReset, LedgerEventNames.ReservationExpired], t.Events.Select(e => e.Name));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Sweep_ExpiresTheDueHoldsOfEveryAccount_InBatchesOfAtMostTheAccountsAsked()
    {
        using var t = new TestLedger();
        string[] due = ["u1", "u2", "u3", "u4", "u5"];
        foreach (var user in due)
        {
            await t.Ledger.ReserveAsync(user, new ReservationRequest("model.export.step") { ExpiresInSeconds = 30 });
        }

        var later = (await t.Ledger.ReserveAsync("u6", new ReservationRequest("model.export.step") { ExpiresInSeconds = 600 })).Reservation.Id;
        t.Clock.Advance(TimeSpan.FromSeconds(30));
        var commits = t.Ledger.CommitCount;
        t.Events.Clear();

        var expired = await t.Ledger.ExpireDueReservationsAsync(accountsPerBatch: 2);

        Assert.Equal(5, expired);
        // Two users, two users, then the last one: three write transactions.
        Assert.Equal(commits + 3, t.Ledger.CommitCount);
        Assert.Equal(5, t.Events.Count(e => e.Name == LedgerEventNames.ReservationExpired));
        Assert.Equal(due.Order(StringComparer.Ordinal), t.Events.Select(e => e.Account).Order(StringComparer.Ordinal));
        Assert.Equal(5, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM reservations WHERE status = 'expired'"));
        Assert.Equal(ReservationStatus.Held, (await t.Ledger.GetReservationAsync("u6", later)).Status);
        Assert.All(due, user => Assert.Equal(1000, LedgerChecks.Balance(t.DatabasePath, user)));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Sweep_WithNothingDue_WritesNothing()
    {
        using var t = new TestLedger();
        await t.Ledger.ReserveAsync("alice", new ReservationRequest("model.export.step") { ExpiresInSeconds = 600 });
        t.Clock.Advance(TimeSpan.FromSeconds(599));
        var commits = t.Ledger.CommitCount;

        Assert.Equal(0, await t.Ledger.ExpireDueReservationsAsync());

        Assert.Equal(commits, t.Ledger.CommitCount);
        Assert.Equal(10, LedgerChecks.Balance(t.DatabasePath, "hold:res_000002"));
    }

    [Fact]
    public async Task Sweep_AfterTheMonthTurned_BringsTheUserUpToDateFirst_AsAnyTouch()
    {
        using var t = new TestLedger(start: March31Late);
        var id = await HoldAcrossTheMonthAsync(t, expiresInSeconds: 60);
        var other = t.OpenAnother();
        t.Clock.SetUtcNow(April1);

        Assert.Equal(1, await other.ExpireDueReservationsAsync());

        Assert.Equal(1100, LedgerChecks.Balance(t.DatabasePath, "alice"));
        Assert.Equal(50, LedgerChecks.Balance(t.DatabasePath, "system:expired"));
        Assert.Equal("expired", RawText(t, $"SELECT status FROM reservations WHERE id = '{id}'"));
        Assert.Equal(LedgerModel.MonthKey(April1), RawDb.Scalar(t.DatabasePath, "SELECT month_key FROM accounts WHERE id = 'alice'"));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Sweep_RefusesABatchSizeBelowOne()
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ExpireDueReservationsAsync(accountsPerBatch: 0));

        Assert.Equal("accounts_per_batch must be a whole number from 1 to 10000 (got 0)", ex.Message);
    }

    /// <summary>
    /// alice with 50 of March's allowance and 100 purchased holds 75 (10 x 10 at 25% off): the 50, and 25 purchased.
    /// </summary>
    private static async Task<string> HoldAcrossTheMonthAsync(TestLedger t, int expiresInSeconds)
    {
        await t.Ledger.GrantAsync("alice", 100);
        await t.Ledger.SpendAsync("alice", 950, "x");
        var reserved = await t.Ledger.ReserveAsync("alice", new ReservationRequest("model.export.step") { Quantity = 10, ExpiresInSeconds = expiresInSeconds });
        Assert.Equal(75, reserved.BalanceAfter);
        return reserved.Reservation.Id;
    }

    private static string RawText(TestLedger t, string sql) => RawRows.Text(t.DatabasePath, sql)!;
}
