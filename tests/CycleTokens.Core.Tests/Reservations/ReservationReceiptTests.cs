using CycleTokens.Core.Reservations;
using CycleTokens.Core.Tests.Receipts;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Reservations;

/// <summary>A settle is a charge (agent-billing spec §3): its result carries the charge's receipt, and a keyed replay the same one.</summary>
public sealed class ReservationReceiptTests
{
    [Fact]
    public async Task Settle_ReturnsItsChargesReceipt_StatingTheChargePaidFromTheHold()
    {
        using var t = new TestLedger(receipts: true);
        var id = (await t.Ledger.ReserveAsync("alice", new ReservationRequest("ai.design_review") { Quantity = 3, CreatorId = "bob" })).Reservation.Id;

        var settled = await t.Ledger.SettleReservationAsync("alice", id, quantity: 2, idempotencyKey: "settle-1");
        var again = await t.Ledger.SettleReservationAsync("alice", id, quantity: 2, idempotencyKey: "settle-1");
        var claims = await LedgerReceiptTests.VerifiedAsync(t, settled.Charge!.Receipt);

        // 2 reviews: 30 charged of the 45 held; the balance after the charge is the balance after the whole settle.
        Assert.Equal((settled.Charge.TransactionId, "charge", "ai.design_review", 2L, 30L, 970L), (claims.TransactionId, claims.Kind, claims.Operation, claims.Quantity, claims.Amount, claims.BalanceAfter));
        Assert.Equal((settled.Charge.CreatorShare, settled.Charge.PlatformShare), (claims.CreatorShare, claims.PlatformShare));
        Assert.True((await t.Ledger.CheckReceiptAsync(claims)).Matches);
        Assert.Equal(settled.Charge.Receipt, again.Charge!.Receipt);
    }
}
