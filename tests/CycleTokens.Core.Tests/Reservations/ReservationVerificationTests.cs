using CycleTokens.Core.Reservations;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Reservations;

/// <summary>verify understands hold: accounts: each holds exactly what its reservation says, and none is without one.</summary>
public sealed class ReservationVerificationTests
{
    [Fact]
    public async Task Verify_WithReservationsInEveryState_IsOk()
    {
        using var t = new TestLedger();
        await HoldAsync(t);
        await t.Ledger.SettleReservationAsync("alice", await HoldAsync(t), quantity: 1);
        await t.Ledger.VoidReservationAsync("alice", await HoldAsync(t));
        await t.Ledger.ReserveAsync("alice", new ReservationRequest("model.export.step") { ExpiresInSeconds = 30 });
        t.Clock.Advance(TimeSpan.FromMinutes(1));
        await t.Ledger.ReserveAsync("alice", new ReservationRequest("marketplace.publish"));

        var report = await t.Ledger.VerifyAsync();

        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(4, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(DISTINCT status) FROM reservations"));
    }

    [Theory]
    [InlineData("UPDATE reservations SET status = 'settled' WHERE id = $id", "Reservation {0} (settled): its hold hold:{0} holds 20 tokens by its postings, not 0.")]
    [InlineData("UPDATE reservations SET held = 21 WHERE id = $id", "Reservation {0} (held): its hold hold:{0} holds 20 tokens by its postings, not 21.")]
    [InlineData("DELETE FROM reservations WHERE id = $id", "Account hold:{0} holds tokens for no reservation.")]
    public async Task Verify_AHoldThatDisagreesWithItsReservation_IsReported(string tamper, string problem)
    {
        using var t = new TestLedger();
        var id = await HoldAsync(t);
        await t.Ledger.SettleReservationAsync("alice", await HoldAsync(t));

        RawDb.Execute(t.DatabasePath, tamper, ("$id", id));
        var report = await t.Ledger.VerifyAsync();

        Assert.False(report.Ok);
        Assert.True(report.HashChainOk);
        Assert.Equal([string.Format(System.Globalization.CultureInfo.InvariantCulture, problem, id)], report.Problems);
    }

    private static async Task<string> HoldAsync(TestLedger t) =>
        (await t.Ledger.ReserveAsync("alice", new ReservationRequest("model.export.step") { Quantity = 2 })).Reservation.Id;
}
