using System.Text.Json;
using CycleTokens.Core.Accounts;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Keys;
using Microsoft.Extensions.Time.Testing;

namespace CycleTokens.Core.Tests.Support;

/// <summary>
/// A ledger with a row of every kind, built through the engine over two months: charges with and without creators,
/// cached and batched, spends, grants, a tier change, purchases pending and completed, a refund, escrows held, released,
/// cancelled and expired, reservations held, settled, voided and expired, a month reset, a cleared account, API keys
/// (used, updated, revoked), keyed calls that succeeded and that failed, usage in two months. What a copy must keep is
/// remembered here to be checked on it.
/// </summary>
internal sealed class FullLedger
{
    /// <summary>The keyed charge: its account, request (with its key) and first result.</summary>
    public required (string Account, ChargeRequest Request, ChargeResult Result) KeyedCharge { get; init; }

    /// <summary>The keyed spend that failed (insufficient tokens): its account, amount, operation and key.</summary>
    public required (string Account, long Amount, string Operation, string Key) KeyedFailure { get; init; }

    /// <summary>The secret of an agent key that authenticates.</summary>
    public required CreatedKey ActiveKey { get; init; }

    /// <summary>The secret of a revoked key.</summary>
    public required CreatedKey RevokedKey { get; init; }

    /// <summary>The clock after the last write (the second month).</summary>
    public required DateTimeOffset Now { get; init; }

    /// <summary>Builds the ledger at <paramref name="location"/> (a new SQLite file or an empty PostgreSQL database).</summary>
    public static async Task<FullLedger> BuildAsync(string location)
    {
        var clock = new FakeTimeProvider(TestLedger.Start);
        using var l = TokenLedger.Open(new LedgerOptions { DatabasePath = location }, clock, new SequentialIdGenerator());

        await l.GrantAsync("alice", 5000, "bonus");
        await l.SetTierAsync("alice", Tier.Pro);
        var part = Json("""{"part":1,"units":"mm"}""");
        var withCreator = await l.ChargeAsync("alice", new ChargeRequest("model.export.step") { CreatorId = "maker-1", Params = part });
        clock.Advance(TimeSpan.FromMinutes(1));
        await l.ChargeAsync("alice", new ChargeRequest("model.export.step") { CreatorId = "maker-1", Params = part }); // cached
        await l.ChargeAsync("alice", new ChargeRequest("cam.slice.model") { Quantity = 12 }); // batch
        var keyed = new ChargeRequest("ai.design_review") { IdempotencyKey = "charge-1", Metadata = Json("""{"job":"j-1"}""") };
        var keyedResult = await l.ChargeAsync("alice", keyed);
        await Assert.ThrowsAsync<LedgerException>(() => l.SpendAsync("alice", 1_000_000_000, "model.export.stl", idempotencyKey: "spend-too-much"));
        await l.SpendAsync("alice", 25, "cam.cnc_toolpath", Json("""{"note":"spend"}"""), "spend-1");

        await l.CreatePurchaseAsync("alice", 1000, "card"); // stays pending
        var completed = await l.CreatePurchaseAsync("alice", 1000, "card", "purchase-1");
        await l.CompletePurchaseAsync(completed.Purchase.Id);

        await l.RefundAsync(withCreator.TransactionId, "duplicate export");

        await l.CreateEscrowAsync("alice", new EscrowRequest(100, "job-held", "shop-1"));
        // Debits made through a credential with a budget: its day total and a counted hold.
        var budgeted = new Core.Budgets.Spender("key_budgeted", new Core.Keys.KeyBudget(MaxPerCall: 5_000, MaxPerDay: 50_000));
        await l.ChargeAsync("alice", new ChargeRequest("model.export.step"), budgeted);
        await l.CreateEscrowAsync("alice", new EscrowRequest(30, "job-budgeted", "shop-1"), budgeted);
        var released = await l.CreateEscrowAsync("alice", new EscrowRequest(200, "job-released", "shop-1") { IdempotencyKey = "escrow-1" });
        await l.ReleaseEscrowAsync("alice", released.Escrow.Id, "release-1");
        var cancelled = await l.CreateEscrowAsync("alice", new EscrowRequest(50, "job-cancelled", "shop-2"));
        await l.CancelEscrowAsync("alice", cancelled.Escrow.Id);
        await l.CreateEscrowAsync("alice", new EscrowRequest(70, "job-expires", "shop-2") { ExpiresInHours = 1 });
        // Reservations held, settled in part (through the budget), voided and expiring.
        await l.ReserveAsync("alice", new Core.Reservations.ReservationRequest("ai.generative_design") { ExpiresInSeconds = 86_400, Metadata = Json("""{"run":"r-1"}""") });
        var settling = await l.ReserveAsync("alice", new Core.Reservations.ReservationRequest("cam.slice.model") { Quantity = 3, CreatorId = "maker-1", IdempotencyKey = "reserve-1" }, budgeted);
        await l.SettleReservationAsync("alice", settling.Reservation.Id, quantity: 2, idempotencyKey: "settle-1");
        var voiding = await l.ReserveAsync("alice", new Core.Reservations.ReservationRequest("analysis.stress"));
        await l.VoidReservationAsync("alice", voiding.Reservation.Id);
        await l.ReserveAsync("alice", new Core.Reservations.ReservationRequest("analysis.thermal") { ExpiresInSeconds = 60 });
        clock.Advance(TimeSpan.FromHours(2));
        await l.GetBalanceAsync("alice"); // expires the escrow and the last reservation

        var active = await l.CreateKeyAsync("alice", name: "agent");
        var updated = await l.CreateKeyAsync("alice", KeyRole.Operator, "ops", 30, new KeyBudget(MaxPerDay: 900));
        await l.UpdateKeyAsync(updated.Key.Id, new KeyChanges { MaxPerCall = Change<long?>.To(50) });
        var revoked = await l.CreateKeyAsync("bob", name: "old");
        await l.RevokeKeyAsync(revoked.Key.Id);
        Assert.True((await l.AuthenticateAsync(active.Secret)).Succeeded); // writes its last use

        await l.GrantAsync("carol", 300);
        await l.SpendAsync("carol", 40, "fab.quote.request");
        await l.ClearAccountAsync("carol", "clear carol");

        // April: alice's allowance resets on her next call.
        clock.SetUtcNow(new DateTimeOffset(2026, 4, 2, 9, 0, 0, TimeSpan.Zero));
        await l.ChargeAsync("alice", new ChargeRequest("model.export.stl") { Params = Json("""{"part":2}""") });
        await l.SpendAsync("bob", 5, "collab.share");

        return new FullLedger
        {
            KeyedCharge = ("alice", keyed, keyedResult),
            KeyedFailure = ("alice", 1_000_000_000, "model.export.stl", "spend-too-much"),
            ActiveKey = active,
            RevokedKey = revoked,
            Now = clock.GetUtcNow(),
        };
    }

    private static JsonElement Json(string json) => TestLedger.Json(json);
}
