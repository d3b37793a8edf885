using CycleTokens.Core.Budgets;
using CycleTokens.Core.Keys;
using CycleTokens.Core.Reservations;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Reservations;

/// <summary>
/// Agent-billing spec §2 for reservations: a reservation's hold is a debit of its credential's UTC day, within the same
/// limits as a charge; voided and expired holds give it all back, a settle gives back what it did not charge.
/// </summary>
public sealed class ReservationBudgetTests
{
    private const string User = "alice";
    private const string Key = "key_test";

    private static Spender With(long? perCall = null, long? perDay = null, long? confirmAbove = null) => new(Key, new KeyBudget(perCall, perDay, confirmAbove));

    private static long DayTotal(TestLedger t) =>
        RawDb.Scalar(t.DatabasePath, "SELECT COALESCE(SUM(amount), 0) FROM credential_spend WHERE credential = $c", ("$c", Key));

    [Fact]
    public async Task Reserve_AboveMaxPerCall_IsRefusedLikeACharge_AndWritesNothing()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync(User);
        var before = LedgerChecks.Counts(t.DatabasePath);

        // 10 x 75 at 25% off: 563 held, above the 500 a call may debit.
        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ReserveAsync(User, new ReservationRequest("cam.cnc_toolpath") { Quantity = 10 }, With(perCall: 500)));

        Assert.Equal((LedgerErrorCode.BudgetExceeded, "max_per_call is 500 tokens; this call needs 563"), (ex.Code, ex.Message));
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
    }

    [Fact]
    public async Task Reserve_CountsItsHoldOnTheDay_ASettleGivesBackWhatItDidNotCharge_AVoidAllOfIt()
    {
        using var t = new TestLedger();
        var budget = With(perDay: 300);
        var settled = await t.Ledger.ReserveAsync(User, new ReservationRequest("ai.design_review") { Quantity = 4 }, budget); // 60
        var voided = await t.Ledger.ReserveAsync(User, new ReservationRequest("cam.cnc_toolpath") { Quantity = 2 }, budget); // 150
        Assert.Equal(210, DayTotal(t));

        await t.Ledger.SettleReservationAsync(User, settled.Reservation.Id, quantity: 1);
        await t.Ledger.VoidReservationAsync(User, voided.Reservation.Id);

        // Only the settled review (15) stays counted.
        Assert.Equal(15, DayTotal(t));
        Assert.Equal(0, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM budget_holds"));
    }

    [Fact]
    public async Task Reserve_PastMaxPerDay_IsRefusedWithWhatIsUsed_AndAnExpiredHoldGivesItsPartBack()
    {
        using var t = new TestLedger();
        var budget = With(perDay: 100);
        await t.Ledger.ReserveAsync(User, new ReservationRequest("cam.cnc_toolpath") { ExpiresInSeconds = 60 }, budget); // 75

        var refused = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ReserveAsync(User, new ReservationRequest("cam.laser_path"), budget)); // 30
        t.Clock.Advance(TimeSpan.FromMinutes(2));
        var after = await t.Ledger.ReserveAsync(User, new ReservationRequest("cam.laser_path"), budget);

        Assert.Equal("max_per_day is 100 tokens; 75 used today, this call needs 30", refused.Message);
        Assert.Equal(30, after.Reservation.Held);
        Assert.Equal(30, DayTotal(t));
    }

    [Fact]
    public async Task Reserve_AboveConfirmAbove_NeedsTheUsersConfirmation_AndRunsWithIt()
    {
        using var t = new TestLedger();
        var request = new ReservationRequest("cam.cnc_toolpath") { Quantity = 2 }; // 150

        var ask = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ReserveAsync(User, request, With(confirmAbove: 100)));
        var confirmed = await t.Ledger.ReserveAsync(User, request, With(confirmAbove: 100) with { Confirmed = 150 });

        Assert.Equal(LedgerErrorCode.ConfirmationRequired, ask.Code);
        Assert.Equal(("reservation_hold", 150L), (ask.Debit!.Kind, ask.Debit.Amount));
        Assert.Equal(150, confirmed.Reservation.Held);
    }
}
