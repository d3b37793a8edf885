using CycleTokens.Core.Charges;
using CycleTokens.Core.Events;
using CycleTokens.Core.History;
using CycleTokens.Core.Reservations;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Reservations;

/// <summary>settle_reservation and void_reservation (agent-billing spec §1).</summary>
public sealed class SettleTests
{
    [Fact]
    public async Task Settle_AllUnits_IsOneOrdinaryCharge_AndEmptiesTheHold()
    {
        using var t = new TestLedger();
        var parameters = TestLedger.Json("""{"part":1}""");
        var id = (await t.Ledger.ReserveAsync("alice", new ReservationRequest("model.export.step") { Params = parameters, CreatorId = "bob", Metadata = TestLedger.Json("""{"job":"j1"}""") })).Reservation.Id;
        t.Clock.Advance(TimeSpan.FromMinutes(1));
        t.Events.Clear();

        var settled = await t.Ledger.SettleReservationAsync("alice", id);

        var charge = settled.Charge!;
        Assert.Equal(("model.export.step", 10L, 10L, false, 1, 0, 10L), (charge.Operation, charge.BasePrice, charge.UnitPrice, charge.Cached, charge.Quantity, charge.BatchDiscountPct, charge.Charged));
        // FREE tier royalty 70%: the creator 7, the platform the rest.
        Assert.Equal(("bob", 7L, 3L, 990L), (charge.CreatorId, charge.CreatorShare, charge.PlatformShare, charge.BalanceAfter));
        Assert.Equal(990, settled.BalanceAfter);
        var r = settled.Reservation;
        Assert.Equal(ReservationStatus.Settled, r.Status);
        Assert.Equal(TestLedger.Start.AddMinutes(1), r.EndedAt);
        Assert.Equal((1, 10L, 0L, 0L, charge.TransactionId), (r.SettledQuantity, r.Charged, r.Released, r.Expired, r.TransactionId));

        var balance = await t.Ledger.GetBalanceAsync("alice");
        Assert.Equal((990L, 0L, 10L), (balance.Total, balance.HeldInReservations, balance.UsedThisMonth));
        Assert.Equal(0, LedgerChecks.Balance(t.DatabasePath, "hold:" + id));
        Assert.Equal(7, LedgerChecks.Balance(t.DatabasePath, "creator:bob"));
        Assert.Equal(3, LedgerChecks.Balance(t.DatabasePath, "platform"));
        var usage = Assert.Single((await t.Ledger.GetUsageAsync("alice")).ByOperation);
        Assert.Equal(("model.export.step", 1L, 10L), (usage.Operation, usage.Count, usage.TotalTokens));
        var row = (await t.Ledger.GetHistoryAsync("alice", new HistoryQuery { Kind = TransactionKind.Charge })).Transactions.Single();
        Assert.Equal((charge.TransactionId, TransactionType.Debit, 10L, "creator:bob", """{"job":"j1"}""", id), (row.Id, row.Type, row.Amount, row.Counterparty, row.Metadata, row.Ref));
        Assert.True((await t.Ledger.EstimateAsync("alice", "model.export.step", parameters)).Cached, "the settle's charge renews the discount cache like any charge");

        Assert.Equal([LedgerEventNames.TokenSpent, LedgerEventNames.ReservationSettled], t.Events.Select(e => e.Name));
        var spent = t.Events[0];
        Assert.Equal((10L, charge.TransactionId, 7L, 3L), (spent.Data["amount"], spent.Data["transaction_id"], spent.Data["creator_share"], spent.Data["platform_share"]));
        var ended = t.Events[1];
        Assert.Equal((id, 1L, 10L, 0L, 0L, 990L), (ended.Data["reservation_id"], ended.Data["quantity"], ended.Data["charged"], ended.Data["released"], ended.Data["expired"], ended.Data["balance"]));
        LedgerChecks.AssertBalanced(t.DatabasePath);
        Assert.True((await t.Ledger.VerifyAsync()).Ok);
    }

    [Fact]
    public async Task Settle_FewerUnits_ChargesThemAtTheReservedUnitPriceWithTheirBatchDiscount_AndReturnsTheRest()
    {
        using var t = new TestLedger();
        // 100 x 2 at 50% off: 100 held.
        var id = (await t.Ledger.ReserveAsync("alice", new ReservationRequest("analysis.weight") { Quantity = 100 })).Reservation.Id;

        var settled = await t.Ledger.SettleReservationAsync("alice", id, quantity: 40);

        // 40 units earn 25% off: ceil(2 x 40 x 75 / 100) = 60; the other 40 held return.
        Assert.Equal((40, 25, 2L, 60L), (settled.Charge!.Quantity, settled.Charge.BatchDiscountPct, settled.Charge.UnitPrice, settled.Charge.Charged));
        Assert.Equal((60L, 40L, 0L), (settled.Reservation.Charged!.Value, settled.Reservation.Released!.Value, settled.Reservation.Expired!.Value));
        Assert.Equal(940, settled.BalanceAfter);
        Assert.Equal(940, (await t.Ledger.GetBalanceAsync("alice")).Allowance);
        Assert.Equal(0, LedgerChecks.Balance(t.DatabasePath, "hold:" + id));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Settle_FewerUnitsWhoseDiscountIsSmaller_CostsAtMostTheHold()
    {
        using var t = new TestLedger();
        // 10 x 10 at 25% off: 75 held; 9 units alone would cost 90.
        var id = (await t.Ledger.ReserveAsync("alice", new ReservationRequest("model.export.step") { Quantity = 10 })).Reservation.Id;

        var settled = await t.Ledger.SettleReservationAsync("alice", id, quantity: 9);

        Assert.Equal((9, 0, 75L), (settled.Charge!.Quantity, settled.Charge.BatchDiscountPct, settled.Charge.Charged));
        Assert.Equal(0, settled.Reservation.Released);
        Assert.Equal(925, settled.BalanceAfter);
    }

    [Fact]
    public async Task Settle_AfterTheCacheWindowEnded_StillChargesTheCachedUnitPriceItReserved()
    {
        using var t = new TestLedger();
        var parameters = TestLedger.Json("""{"part":2}""");
        await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { Params = parameters });
        t.Clock.Advance(TimeSpan.FromHours(23));
        // 20 at the cached 1 a unit, 25% off: 15 held.
        var reserved = (await t.Ledger.ReserveAsync("alice", new ReservationRequest("model.export.step") { Params = parameters, Quantity = 20, ExpiresInSeconds = 86_400 })).Reservation;
        t.Clock.Advance(TimeSpan.FromHours(2));
        Assert.False((await t.Ledger.EstimateAsync("alice", "model.export.step", parameters)).Cached, "the charge's 24 hours are over");

        var settled = await t.Ledger.SettleReservationAsync("alice", reserved.Id, quantity: 10);

        // 10 at 1 a unit, 25% off: ceil(7.5) = 8, well under the hold (at today's price of 10 they would cost 75).
        Assert.Equal((1L, true, 15L), (reserved.UnitPrice, reserved.Cached, reserved.Held));
        Assert.Equal((1L, true, 8L, 7L), (settled.Charge!.UnitPrice, settled.Charge.Cached, settled.Charge.Charged, settled.Reservation.Released!.Value));
    }

    [Fact]
    public async Task Settle_BeforeThePriceWasCached_KeepsTheFullUnitPrice()
    {
        using var t = new TestLedger();
        var parameters = TestLedger.Json("""{"part":4}""");
        var id = (await t.Ledger.ReserveAsync("alice", new ReservationRequest("model.export.step") { Params = parameters })).Reservation.Id;
        await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { Params = parameters });

        var settled = await t.Ledger.SettleReservationAsync("alice", id);

        Assert.Equal((10L, false, 10L), (settled.Charge!.UnitPrice, settled.Charge.Cached, settled.Charge.Charged));
    }

    [Fact]
    public async Task Settle_WithQuantityZero_VoidsTheReservation_WithoutACharge()
    {
        using var t = new TestLedger();
        var id = (await t.Ledger.ReserveAsync("alice", new ReservationRequest("model.export.step") { Quantity = 3 })).Reservation.Id;
        t.Events.Clear();

        var settled = await t.Ledger.SettleReservationAsync("alice", id, quantity: 0);

        Assert.Null(settled.Charge);
        Assert.Equal(ReservationStatus.Voided, settled.Reservation.Status);
        Assert.Equal((30L, 0L, null, null), (settled.Reservation.Released!.Value, settled.Reservation.Expired!.Value, settled.Reservation.Charged, settled.Reservation.TransactionId));
        Assert.Equal(1000, settled.BalanceAfter);
        Assert.Equal(0, LedgerChecks.CountKind(t.DatabasePath, "alice", "charge"));
        Assert.Equal(0, (await t.Ledger.GetBalanceAsync("alice")).UsedThisMonth);
        var e = Assert.Single(t.Events);
        Assert.Equal((LedgerEventNames.ReservationVoided, "settled with quantity 0", 30L), (e.Name, e.Data["reason"], e.Data["released"]));
    }

    [Fact]
    public async Task Settle_MoreUnitsThanReserved_IsRefusedNamingQuantity_AndWritesNothing()
    {
        using var t = new TestLedger();
        var id = (await t.Ledger.ReserveAsync("alice", new ReservationRequest("model.export.step") { Quantity = 5 })).Reservation.Id;
        var before = LedgerChecks.Counts(t.DatabasePath);

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SettleReservationAsync("alice", id, quantity: 6));

        Assert.Equal((LedgerErrorCode.InvalidArgument, "quantity", "quantity must be at most the reserved quantity 5 (got 6)"), (ex.Code, ex.Field, ex.Message));
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
        Assert.Equal(ReservationStatus.Held, (await t.Ledger.GetReservationAsync("alice", id)).Status);
    }

    [Theory]
    [InlineData(-1, "quantity", "quantity must be a whole number from 0 to 1000000 (got -1)")]
    [InlineData(1_000_001, "quantity", "quantity must be a whole number from 0 to 1000000 (got 1000001)")]
    public async Task Settle_QuantityOutOfRange_IsRefusedBeforeAnythingOpens(int quantity, string field, string message)
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SettleReservationAsync("alice", "res_000001", quantity));

        Assert.Equal((LedgerErrorCode.InvalidArgument, field, message), (ex.Code, ex.Field, ex.Message));
    }

    [Theory]
    [InlineData("res-1", "reservation_id must be an id returned by this server (1-64 letters, digits or '_') (got \"res-1\")")]
    [InlineData("", "reservation_id must be an id returned by this server (1-64 letters, digits or '_') (got \"\")")]
    public async Task SettleVoidGet_MalformedId_IsRefusedNamingReservationId(string id, string message)
    {
        using var t = new TestLedger();

        var calls = new Func<Task>[]
        {
            () => t.Ledger.SettleReservationAsync("alice", id),
            () => t.Ledger.VoidReservationAsync("alice", id),
            () => t.Ledger.GetReservationAsync("alice", id),
        };

        foreach (var call in calls)
        {
            var ex = await Assert.ThrowsAsync<LedgerException>(call);
            Assert.Equal((LedgerErrorCode.InvalidArgument, "reservation_id", message), (ex.Code, ex.Field, ex.Message));
        }
    }

    [Fact]
    public async Task Void_ReturnsTheWholeHoldIntoThePartsItCameFrom()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 500);
        await t.Ledger.SpendAsync("alice", 600, "x"); // allowance 400, purchased 500
        // 10 x 75 at 25% off = 562.5, rounded up: 563 held, 400 from the allowance and 163 purchased.
        var id = (await t.Ledger.ReserveAsync("alice", new ReservationRequest("cam.cnc_toolpath") { Quantity = 10 })).Reservation.Id;
        await t.Ledger.SpendAsync("alice", 150, "x"); // purchased 187
        t.Clock.Advance(TimeSpan.FromMinutes(3));
        t.Events.Clear();

        var voided = await t.Ledger.VoidReservationAsync("alice", id);
        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal(ReservationStatus.Voided, voided.Reservation.Status);
        Assert.Equal(TestLedger.Start.AddMinutes(3), voided.Reservation.EndedAt);
        Assert.Equal((563L, 0L), (voided.Reservation.Released!.Value, voided.Reservation.Expired!.Value));
        Assert.Equal(750, voided.BalanceAfter);
        Assert.Equal((400L, 350L, 0L), (balance.Allowance, balance.Purchased, balance.HeldInReservations));
        Assert.Equal(0, LedgerChecks.Balance(t.DatabasePath, "hold:" + id));
        var e = Assert.Single(t.Events);
        Assert.Equal((LedgerEventNames.ReservationVoided, "voided", 563L, 0L, 750L), (e.Name, e.Data["reason"], e.Data["released"], e.Data["expired"], e.Data["balance"]));
        var row = (await t.Ledger.GetHistoryAsync("alice", new HistoryQuery { Limit = 1 })).Transactions[0];
        Assert.Equal((TransactionKind.Reservation, TransactionType.ReservationRelease, 563L, 750L), (row.Kind, row.Type, row.Amount, row.BalanceAfter));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task EndedReservations_AreFinal_SettleAndVoidFailNamingTheStatus_AndWriteNothing()
    {
        using var t = new TestLedger();
        var settled = (await t.Ledger.ReserveAsync("alice", new ReservationRequest("model.export.step"))).Reservation.Id;
        var voided = (await t.Ledger.ReserveAsync("alice", new ReservationRequest("model.export.step"))).Reservation.Id;
        var expired = (await t.Ledger.ReserveAsync("alice", new ReservationRequest("model.export.step") { ExpiresInSeconds = 30 })).Reservation.Id;
        await t.Ledger.SettleReservationAsync("alice", settled);
        await t.Ledger.VoidReservationAsync("alice", voided);
        t.Clock.Advance(TimeSpan.FromSeconds(30));
        await t.Ledger.GetBalanceAsync("alice"); // the touch that expires it
        var before = LedgerChecks.Counts(t.DatabasePath);

        foreach (var (id, code, message) in new[]
        {
            (settled, LedgerErrorCode.ReservationNotHeld, $"Reservation {settled} is not held (status: settled)"),
            (voided, LedgerErrorCode.ReservationNotHeld, $"Reservation {voided} is not held (status: voided)"),
            (expired, LedgerErrorCode.ReservationExpired, $"Reservation {expired} has expired"),
        })
        {
            var settle = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SettleReservationAsync("alice", id));
            var cancel = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.VoidReservationAsync("alice", id));
            Assert.Equal((code, "reservation_id", message), (settle.Code, settle.Field, settle.Message));
            Assert.Equal((code, "reservation_id", message), (cancel.Code, cancel.Field, cancel.Message));
        }

        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
        Assert.Equal(990, (await t.Ledger.GetBalanceAsync("alice")).Total);
    }

    [Fact]
    public async Task AnotherUsersOrAnUnknownReservation_IsNotFound_AndCannotBeTouched()
    {
        using var t = new TestLedger();
        var bobs = (await t.Ledger.ReserveAsync("bob", new ReservationRequest("model.export.step"))).Reservation.Id;
        await t.Ledger.GetBalanceAsync("alice");
        var before = LedgerChecks.Counts(t.DatabasePath);

        foreach (var id in new[] { bobs, "res_999999" })
        {
            var message = $"Reservation {id} not found";
            foreach (var call in new Func<Task>[]
            {
                () => t.Ledger.GetReservationAsync("alice", id),
                () => t.Ledger.SettleReservationAsync("alice", id),
                () => t.Ledger.VoidReservationAsync("alice", id),
            })
            {
                var ex = await Assert.ThrowsAsync<LedgerException>(call);
                Assert.Equal((LedgerErrorCode.NotFound, "reservation_id", message), (ex.Code, ex.Field, ex.Message));
            }
        }

        Assert.Empty(await t.Ledger.ListReservationsAsync("alice"));
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
        Assert.Equal(ReservationStatus.Held, (await t.Ledger.GetReservationAsync("bob", bobs)).Status);
        Assert.Equal(10, (await t.Ledger.GetBalanceAsync("bob")).HeldInReservations);
    }

    [Fact]
    public async Task List_OldestFirst_FilteredByStatus()
    {
        using var t = new TestLedger();
        var first = (await t.Ledger.ReserveAsync("alice", new ReservationRequest("model.export.step"))).Reservation.Id;
        t.Clock.Advance(TimeSpan.FromSeconds(1));
        var second = (await t.Ledger.ReserveAsync("alice", new ReservationRequest("analysis.weight"))).Reservation.Id;
        t.Clock.Advance(TimeSpan.FromSeconds(1));
        var third = (await t.Ledger.ReserveAsync("alice", new ReservationRequest("ai.design_review"))).Reservation.Id;
        await t.Ledger.SettleReservationAsync("alice", second);
        await t.Ledger.VoidReservationAsync("alice", third);

        Assert.Equal([first, second, third], (await t.Ledger.ListReservationsAsync("alice")).Select(r => r.Id));
        Assert.Equal([first], (await t.Ledger.ListReservationsAsync("alice", ReservationStatus.Held)).Select(r => r.Id));
        Assert.Equal([second], (await t.Ledger.ListReservationsAsync("alice", ReservationStatus.Settled)).Select(r => r.Id));
        Assert.Equal([third], (await t.Ledger.ListReservationsAsync("alice", ReservationStatus.Voided)).Select(r => r.Id));
        Assert.Empty(await t.Ledger.ListReservationsAsync("alice", ReservationStatus.Expired));
    }

    [Fact]
    public async Task Refund_OfASettlesCharge_ReturnsItLikeAnyCharge()
    {
        using var t = new TestLedger();
        var id = (await t.Ledger.ReserveAsync("alice", new ReservationRequest("ai.design_review") { Quantity = 2, CreatorId = "bob" })).Reservation.Id;
        var settled = await t.Ledger.SettleReservationAsync("alice", id, quantity: 1);

        var refund = await t.Ledger.RefundAsync(settled.Charge!.TransactionId, "did not work");

        Assert.Equal((15L, 0L, 1000L), (refund.Refunded, refund.Expired, refund.BalanceAfter));
        Assert.Equal(0, LedgerChecks.Balance(t.DatabasePath, "creator:bob"));
        Assert.Equal(0, LedgerChecks.Balance(t.DatabasePath, "platform"));
        Assert.Equal(0, (await t.Ledger.GetBalanceAsync("alice")).UsedThisMonth);
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }
}
