using CycleTokens.Core.Events;
using CycleTokens.Core.Reservations;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Reservations;

/// <summary>Every mutating reservation call replays under its key; a clear voids what is held.</summary>
public sealed class ReservationKeysAndClearTests
{
    [Fact]
    public async Task Reserve_RetriedWithItsKey_ReplaysTheFirstReservation_AndHoldsOnce()
    {
        using var t = new TestLedger();
        var request = new ReservationRequest("model.export.step") { Quantity = 2, IdempotencyKey = "hold-1" };

        var first = await t.Ledger.ReserveAsync("alice", request);
        var again = await t.OpenAnother().ReserveAsync("alice", request);
        var other = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ReserveAsync("alice", request with { Quantity = 3 }));

        Assert.False(first.Replayed);
        Assert.Equal(first with { Replayed = true }, again);
        Assert.Equal((LedgerErrorCode.IdempotencyKeyReused, "idempotency key reused with different arguments"), (other.Code, other.Message));
        Assert.Equal(1, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM reservations"));
        Assert.Equal(980, LedgerChecks.Balance(t.DatabasePath, "alice"));
    }

    [Fact]
    public async Task Settle_RetriedWithItsKey_ReplaysTheCharge_AndChargesOnce()
    {
        using var t = new TestLedger();
        var id = (await t.Ledger.ReserveAsync("alice", new ReservationRequest("model.export.step") { Quantity = 4 })).Reservation.Id;

        var first = await t.Ledger.SettleReservationAsync("alice", id, quantity: 3, idempotencyKey: "settle-1");
        t.Clock.Advance(TimeSpan.FromMinutes(1));
        var again = await t.OpenAnother().SettleReservationAsync("alice", id, quantity: 3, idempotencyKey: "settle-1");
        var other = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SettleReservationAsync("alice", id, quantity: 2, idempotencyKey: "settle-1"));

        Assert.Equal(first with { Replayed = true }, again);
        Assert.Equal(LedgerErrorCode.IdempotencyKeyReused, other.Code);
        Assert.Equal(1, LedgerChecks.CountKind(t.DatabasePath, "alice", "charge"));
        Assert.Equal(970, LedgerChecks.Balance(t.DatabasePath, "alice"));
    }

    [Fact]
    public async Task Void_RetriedWithItsKey_ReplaysTheVoid()
    {
        using var t = new TestLedger();
        var id = (await t.Ledger.ReserveAsync("alice", new ReservationRequest("model.export.step"))).Reservation.Id;

        var first = await t.Ledger.VoidReservationAsync("alice", id, "void-1");
        var again = await t.Ledger.VoidReservationAsync("alice", id, "void-1");
        var unkeyed = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.VoidReservationAsync("alice", id));

        Assert.Equal(first with { Replayed = true }, again);
        Assert.Equal(LedgerErrorCode.ReservationNotHeld, unkeyed.Code);
        Assert.Equal(1, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions WHERE type = 'reservation_release'"));
        Assert.Equal(1000, LedgerChecks.Balance(t.DatabasePath, "alice"));
    }

    [Fact]
    public async Task Clear_VoidsHeldReservations_ThenHidesThem()
    {
        using var t = new TestLedger();
        var held = (await t.Ledger.ReserveAsync("alice", new ReservationRequest("model.export.step"))).Reservation.Id;
        var settled = (await t.Ledger.ReserveAsync("alice", new ReservationRequest("analysis.weight"))).Reservation.Id;
        await t.Ledger.SettleReservationAsync("alice", settled);
        t.Events.Clear();

        var cleared = await t.Ledger.ClearAccountAsync("alice", "clear alice");

        // 988 spendable and the 10 held back from the hold.
        Assert.Equal((998L, 1000L), (cleared.ClearedTokens, cleared.BalanceAfter));
        var voided = Assert.Single(t.Events, e => e.Name == LedgerEventNames.ReservationVoided);
        Assert.Equal((held, "cleared"), (voided.Data["reservation_id"], voided.Data["reason"]));
        Assert.Equal(1, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM reservations WHERE status = 'voided'"));
        Assert.Empty(await t.Ledger.ListReservationsAsync("alice"));
        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.GetReservationAsync("alice", held));
        Assert.Equal(LedgerErrorCode.NotFound, ex.Code);
        Assert.Equal(0, (await t.Ledger.GetBalanceAsync("alice")).HeldInReservations);
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }
}
