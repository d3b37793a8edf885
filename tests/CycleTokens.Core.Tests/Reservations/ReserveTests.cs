using CycleTokens.Core.Charges;
using CycleTokens.Core.Events;
using CycleTokens.Core.History;
using CycleTokens.Core.Reservations;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Reservations;

/// <summary>reserve_operation (agent-billing spec §1): priced as a charge would be now, held from the balance in hold:&lt;id&gt;.</summary>
public sealed class ReserveTests
{
    [Fact]
    public async Task Reserve_HoldsTheQuotedTotalInItsHoldAccount_AllowanceFirst()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 500);
        await t.Ledger.SpendAsync("alice", 900, "x"); // allowance 100, purchased 500

        var reserved = await t.Ledger.ReserveAsync("alice", new ReservationRequest("cam.cnc_toolpath") { Quantity = 2 });
        var balance = await t.Ledger.GetBalanceAsync("alice");

        var r = reserved.Reservation;
        Assert.StartsWith("res_", r.Id, StringComparison.Ordinal);
        Assert.Equal(("alice", "cam.cnc_toolpath", 2, 75L, 75L, false, 0, 150L), (r.Account, r.Operation, r.Quantity, r.BasePrice, r.UnitPrice, r.Cached, r.BatchDiscountPct, r.Held));
        Assert.Equal(ReservationStatus.Held, r.Status);
        Assert.Equal(TestLedger.Start, r.CreatedAt);
        Assert.Equal(TestLedger.Start.AddMinutes(15), r.ExpiresAt);
        Assert.Equal((null, null, null, null, null, null), (r.EndedAt, r.SettledQuantity, r.Charged, r.Released, r.Expired, r.TransactionId));
        Assert.Equal(450, reserved.BalanceAfter);
        Assert.False(reserved.Replayed);
        Assert.Equal((0L, 450L, 450L, 150L, 0L), (balance.Allowance, balance.Purchased, balance.Total, balance.HeldInReservations, balance.HeldInEscrow));
        Assert.Equal(150, LedgerChecks.Balance(t.DatabasePath, "hold:" + r.Id));
        Assert.Equal(-100, LedgerChecks.Posted(t.DatabasePath, LatestId(t), "alice", "allowance"));
        Assert.Equal(-50, LedgerChecks.Posted(t.DatabasePath, LatestId(t), "alice", "purchased"));
        var row = (await t.Ledger.GetHistoryAsync("alice", new HistoryQuery { Limit = 1 })).Transactions[0];
        Assert.Equal((TransactionKind.Reservation, TransactionType.ReservationHold, "cam.cnc_toolpath", 150L, "hold:" + r.Id, 450L, r.Id), (row.Kind, row.Type, row.Operation, row.Amount, row.Counterparty, row.BalanceAfter, row.Ref));
        LedgerChecks.AssertBalanced(t.DatabasePath);
        Assert.True((await t.Ledger.VerifyAsync()).Ok);
    }

    [Fact]
    public async Task Reserve_PricesExactlyAsAChargeWouldNow_WithCacheAndBatchDiscounts_AndLeavesTheCacheAlone()
    {
        using var t = new TestLedger();
        var parameters = TestLedger.Json("""{"part":1}""");
        await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { Params = parameters });
        var lastCharge = RawDb.Scalar(t.DatabasePath, "SELECT last_ms FROM discount_cache");
        t.Clock.Advance(TimeSpan.FromHours(1));

        var estimate = await t.Ledger.EstimateAsync("alice", "model.export.step", parameters, 12);
        var reserved = (await t.Ledger.ReserveAsync("alice", new ReservationRequest("model.export.step") { Params = parameters, Quantity = 12 })).Reservation;

        // Cached: ceil(10 x 10%) = 1 per unit; 12 units earn 25% off: ceil(1 x 12 x 75 / 100) = 9.
        Assert.Equal((10L, 1L, true, 25, 9L), (reserved.BasePrice, reserved.UnitPrice, reserved.Cached, reserved.BatchDiscountPct, reserved.Held));
        Assert.Equal((estimate.UnitPrice, estimate.Cached, estimate.BatchDiscountPct, estimate.TotalPrice), (reserved.UnitPrice, reserved.Cached, reserved.BatchDiscountPct, reserved.Held));
        Assert.Equal(lastCharge, RawDb.Scalar(t.DatabasePath, "SELECT last_ms FROM discount_cache"));
    }

    [Fact]
    public async Task Reserve_RaisesReservationCreated()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        t.Events.Clear();

        var reserved = await t.Ledger.ReserveAsync("alice", new ReservationRequest("model.export.step") { Quantity = 3, ExpiresInSeconds = 120 });

        var e = Assert.Single(t.Events);
        Assert.Equal(LedgerEventNames.ReservationCreated, e.Name);
        Assert.Equal("alice", e.Account);
        Assert.Equal(reserved.Reservation.Id, e.Data["reservation_id"]);
        Assert.Equal("model.export.step", e.Data["operation"]);
        Assert.Equal(3L, e.Data["quantity"]);
        Assert.Equal(10L, e.Data["unit_price"]);
        Assert.Equal(30L, e.Data["held"]);
        Assert.Equal(TestLedger.Start.AddMinutes(2), e.Data["expires_at"]);
        Assert.Equal(970L, e.Data["balance"]);
    }

    [Fact]
    public async Task Reserve_WithInsufficientBalance_FailsLikeACharge_AndWritesNothing()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        var before = LedgerChecks.Counts(t.DatabasePath);
        t.Events.Clear();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ReserveAsync("alice", new ReservationRequest("model.download.full_ip") { Quantity = 2 }));

        Assert.Equal(LedgerErrorCode.InsufficientTokens, ex.Code);
        Assert.Equal("Insufficient tokens: have 1000, need 2000", ex.Message);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
        Assert.Empty(t.Events);
    }

    [Theory]
    [InlineData(null, 15 * 60)]
    [InlineData(30, 30)]
    [InlineData(86_400, 86_400)]
    public async Task Reserve_ExpiresAfterTheSecondsAsked_Default15Minutes(int? seconds, int expected)
    {
        using var t = new TestLedger();

        var reserved = await t.Ledger.ReserveAsync("alice", new ReservationRequest("model.export.step") { ExpiresInSeconds = seconds });

        Assert.Equal(TestLedger.Start.AddSeconds(expected), reserved.Reservation.ExpiresAt);
    }

    [Theory]
    [InlineData(29)]
    [InlineData(0)]
    [InlineData(-30)]
    [InlineData(86_401)]
    public async Task Reserve_ExpiryOutsideThirtySecondsTo24Hours_IsRefusedNamingTheField(int seconds)
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ReserveAsync("alice", new ReservationRequest("model.export.step") { ExpiresInSeconds = seconds }));

        Assert.Equal(LedgerErrorCode.InvalidArgument, ex.Code);
        Assert.Equal("expires_in_seconds", ex.Field);
        Assert.Equal($"expires_in_seconds must be a whole number from 30 to 86400 (got {seconds})", ex.Message);
        Assert.Equal(0, LedgerChecks.Counts(t.DatabasePath).Transactions);
    }

    [Theory]
    [InlineData("quantity", "quantity must be a whole number from 1 to 1000000 (got 0)")]
    [InlineData("operation", "operation must be 1-100 characters of a-z, 0-9, '_', '.', '-' (got \"Model Export\")")]
    [InlineData("creator_id", "creator_id must be 1-64 characters of A-Z, a-z, 0-9, '.', '_', ':', '@', '-' (got \"bob smith\")")]
    [InlineData("metadata", "metadata must be a JSON object (got array)")]
    public async Task Reserve_InvalidArgument_IsRefusedNamingTheField_AndWritesNothing(string field, string message)
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        var before = LedgerChecks.Counts(t.DatabasePath);
        var request = field switch
        {
            "quantity" => new ReservationRequest("model.export.step") { Quantity = 0 },
            "operation" => new ReservationRequest("Model Export"),
            "creator_id" => new ReservationRequest("model.export.step") { CreatorId = "bob smith" },
            _ => new ReservationRequest("model.export.step") { Metadata = TestLedger.Json("[1]") },
        };

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ReserveAsync("alice", request));

        Assert.Equal((LedgerErrorCode.InvalidArgument, field, message), (ex.Code, ex.Field, ex.Message));
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
    }

    [Fact]
    public async Task Reserve_ZeroPriceOperation_HoldsNothing_AndItsSettleIsARecordedZeroCharge()
    {
        using var t = new TestLedger();

        var reserved = await t.Ledger.ReserveAsync("alice", new ReservationRequest("marketplace.publish"));
        var settled = await t.Ledger.SettleReservationAsync("alice", reserved.Reservation.Id);

        Assert.Equal(0, reserved.Reservation.Held);
        Assert.False(LedgerChecks.HasPostings(t.DatabasePath, "hold:" + reserved.Reservation.Id));
        Assert.Equal(0, settled.Charge!.Charged);
        Assert.Equal(1000, settled.BalanceAfter);
        Assert.Equal(1, LedgerChecks.CountKind(t.DatabasePath, "alice", "charge"));
        // The hold row only: a hold of nothing has nothing to release.
        Assert.Equal(1, LedgerChecks.CountKind(t.DatabasePath, "alice", "reservation"));
        Assert.Equal(1, Assert.Single((await t.Ledger.GetUsageAsync("alice")).ByOperation).Count);
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Reserve_UnknownOperation_WhenTheCatalogueRejectsThem_IsRefused()
    {
        using var t = new TestLedger(new LedgerOptions { DatabasePath = "unused", RejectUnknownOperations = true });

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ReserveAsync("alice", new ReservationRequest("custom.thing")));

        Assert.Equal((LedgerErrorCode.UnknownOperation, "operation"), (ex.Code, ex.Field));
    }

    private static string LatestId(TestLedger t) => RawRows.Text(t.DatabasePath, "SELECT id FROM transactions ORDER BY seq DESC LIMIT 1")!;
}
