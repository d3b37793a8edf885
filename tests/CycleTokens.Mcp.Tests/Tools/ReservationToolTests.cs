using CycleTokens.Core.Events;
using CycleTokens.Core.Reservations;
using CycleTokens.Mcp.Hosting;
using CycleTokens.Mcp.Tests.Support;

namespace CycleTokens.Mcp.Tests.Tools;

/// <summary>reserve_operation, settle_reservation, void_reservation, get_reservation, list_reservations (agent-billing spec §1).</summary>
public sealed class ReservationToolTests
{
    public static TheoryData<string> Versions => [McpTestServer.Legacy, McpTestServer.Modern];

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Reservation_ReserveGetListSettle_FollowsTheLifecycle(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);

        // 10 step exports at 25% off: 75 held for 15 minutes.
        var reserved = await server.CallContractAsync("reserve_operation", """{"operation":"model.export.step","quantity":10,"creator_id":"bob","metadata":{"job":"j1"}}""");
        var id = reserved.Str("reservation_id")!;
        Assert.StartsWith("res_", id, StringComparison.Ordinal);
        Assert.Equal(("model.export.step", 10L, 10L, 25L, 75L, "0.75"), (reserved.Str("operation"), reserved.Long("quantity"), reserved.Long("unit_price"), reserved.Long("batch_discount_pct"), reserved.Long("held"), reserved.Str("held_eur")));
        Assert.Equal(("held", "2026-03-15T10:00:00.000Z", "2026-03-15T10:15:00.000Z"), (reserved.Str("status"), reserved.Str("created_at"), reserved.Str("expires_at")));
        Assert.Equal((925L, false), (reserved.Long("balance_after"), reserved.Bool("replayed")));
        Assert.True(reserved.IsNull("ended_at"));
        Assert.True(reserved.IsNull("transaction_id"));

        var balance = await server.CallContractAsync("get_balance");
        Assert.Equal((925L, 75L), (balance.Long("balance"), balance.Long("held_in_reservations")));
        var got = await server.CallContractAsync("get_reservation", $$"""{"reservation_id":"{{id}}"}""");
        Assert.Equal(("held", "bob", "j1"), (got.Str("status"), got.Str("creator_id"), got.GetProperty("metadata").Str("job")));
        var held = await server.CallContractAsync("list_reservations", """{"status":"held"}""");
        Assert.Equal(id, Assert.Single(held.GetProperty("reservations").EnumerateArray()).Str("reservation_id"));

        server.Clock.Advance(TimeSpan.FromMinutes(5));
        var settled = await server.CallContractAsync("settle_reservation", $$"""{"reservation_id":"{{id}}","quantity":4}""");

        // 4 units, no batch discount: 40 charged, 35 back; the creator's 70% of 40 is 28.
        Assert.Equal(("settled", 4L, 0L, 40L, "0.40", 28L, 12L), (settled.Str("status"), settled.Long("quantity"), settled.Long("batch_discount_pct"), settled.Long("charged"), settled.Str("charged_eur"), settled.Long("creator_share"), settled.Long("platform_share")));
        Assert.Equal((75L, 35L, 0L, 960L), (settled.Long("held"), settled.Long("released"), settled.Long("expired"), settled.Long("balance_after")));
        Assert.Equal("2026-03-15T10:05:00.000Z", settled.Str("timestamp"));
        var transaction = settled.Str("transaction_id")!;
        var ended = await server.CallContractAsync("get_reservation", $$"""{"reservation_id":"{{id}}"}""");
        Assert.Equal(("settled", 4L, 40L, 35L, transaction), (ended.Str("status"), ended.Long("settled_quantity"), ended.Long("charged"), ended.Long("released"), ended.Str("transaction_id")));
        var history = await server.CallOkAsync("get_transaction_history", """{"kind":"charge"}""");
        Assert.Equal(transaction, Assert.Single(history.GetProperty("transactions").EnumerateArray()).Str("id"));
        Assert.Equal(2, (await server.CallOkAsync("get_transaction_history", """{"kind":"reservation"}""")).GetProperty("transactions").GetArrayLength());
        Assert.Equal((960L, 0L, 40L), ((await server.CallOkAsync("get_balance")).Long("balance"), (await server.CallOkAsync("get_balance")).Long("held_in_reservations"), (await server.CallOkAsync("get_balance")).Long("used_this_month")));
        Assert.True((await server.Ledger.VerifyAsync()).Ok);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Reservation_VoidAndSettleWithZero_ReturnTheWholeHold(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);
        var first = (await server.CallOkAsync("reserve_operation", """{"operation":"ai.design_review","quantity":2}""")).Str("reservation_id");
        var second = (await server.CallOkAsync("reserve_operation", """{"operation":"ai.design_review"}""")).Str("reservation_id");

        var voided = await server.CallContractAsync("void_reservation", $$"""{"reservation_id":"{{first}}"}""");
        var zero = await server.CallContractAsync("settle_reservation", $$"""{"reservation_id":"{{second}}","quantity":0}""");

        Assert.Equal(("voided", 30L, 0L, 985L), (voided.Str("status"), voided.Long("released"), voided.Long("expired"), voided.Long("balance_after")));
        Assert.Equal(("voided", 0L, 0L, 15L, 1000L), (zero.Str("status"), zero.Long("quantity"), zero.Long("charged"), zero.Long("released"), zero.Long("balance_after")));
        Assert.True(zero.IsNull("transaction_id"));
        Assert.Equal(2, (await server.CallOkAsync("list_reservations", """{"status":"voided"}""")).GetProperty("reservations").GetArrayLength());
        Assert.Empty((await server.CallOkAsync("get_transaction_history", """{"kind":"charge"}""")).GetProperty("transactions").EnumerateArray());
    }

    [Fact]
    public async Task Reservation_FinishedExpiredUnknownOrInvalid_FailsNamingTheRule_AndWritesNothing()
    {
        await using var server = await McpTestServer.StartAsync();
        var settled = (await server.CallOkAsync("reserve_operation", """{"operation":"model.export.step"}""")).Str("reservation_id");
        await server.CallOkAsync("settle_reservation", $$"""{"reservation_id":"{{settled}}"}""");
        var expiring = (await server.CallOkAsync("reserve_operation", """{"operation":"model.export.json","expires_in_seconds":30}""")).Str("reservation_id");
        var held = (await server.CallOkAsync("reserve_operation", """{"operation":"analysis.weight","expires_in_seconds":3600}""")).Str("reservation_id");
        server.Clock.Advance(TimeSpan.FromSeconds(30));
        await server.CallOkAsync("get_balance"); // the touch that expires it
        var before = await LedgerSnapshot.TakeAsync(server.Ledger, "alice");

        Assert.Equal($"Reservation {settled} is not held (status: settled)", await server.CallErrorAsync("settle_reservation", $$"""{"reservation_id":"{{settled}}"}"""));
        Assert.Equal($"Reservation {settled} is not held (status: settled)", await server.CallErrorAsync("void_reservation", $$"""{"reservation_id":"{{settled}}"}"""));
        Assert.Equal($"Reservation {expiring} has expired", await server.CallErrorAsync("settle_reservation", $$"""{"reservation_id":"{{expiring}}"}"""));
        Assert.Equal($"Reservation {expiring} has expired", await server.CallErrorAsync("void_reservation", $$"""{"reservation_id":"{{expiring}}"}"""));
        Assert.Equal("Reservation res_999999 not found", await server.CallErrorAsync("get_reservation", """{"reservation_id":"res_999999"}"""));
        Assert.Equal("Reservation res_999999 not found", await server.CallErrorAsync("settle_reservation", """{"reservation_id":"res_999999"}"""));
        Assert.Equal("quantity must be at most the reserved quantity 1 (got 2)", await server.CallErrorAsync("settle_reservation", $$"""{"reservation_id":"{{held}}","quantity":2}"""));
        Assert.Equal("quantity must be a whole number from 0 to 1000000 (got -1)", await server.CallErrorAsync("settle_reservation", $$"""{"reservation_id":"{{held}}","quantity":-1}"""));
        Assert.Equal("expires_in_seconds must be a whole number from 30 to 86400 (got 29)", await server.CallErrorAsync("reserve_operation", """{"operation":"model.export.step","expires_in_seconds":29}"""));
        Assert.Equal("expires_in_seconds must be a whole number from 30 to 86400 (got 86401)", await server.CallErrorAsync("reserve_operation", """{"operation":"model.export.step","expires_in_seconds":86401}"""));
        Assert.Equal("Insufficient tokens: have 988, need 1000", await server.CallErrorAsync("reserve_operation", """{"operation":"model.download.full_ip"}"""));
        Assert.Equal("status must be one of held, settled, voided, expired (got \"open\")", await server.CallErrorAsync("list_reservations", """{"status":"open"}"""));
        Assert.Equal(before, await LedgerSnapshot.TakeAsync(server.Ledger, "alice"));
    }

    [Fact]
    public async Task Reservation_OfAnotherAccount_IsNotFoundAndCannotBeTouched()
    {
        await using var server = await McpTestServer.StartAsync();
        var bobs = (await server.Ledger.ReserveAsync("bob", new ReservationRequest("model.export.step"))).Reservation.Id;
        await server.CallOkAsync("get_balance");
        var before = await LedgerSnapshot.TakeAsync(server.Ledger, "alice", "bob");

        foreach (var tool in new[] { "get_reservation", "settle_reservation", "void_reservation" })
        {
            Assert.Equal($"Reservation {bobs} not found", await server.CallErrorAsync(tool, $$"""{"reservation_id":"{{bobs}}"}"""));
        }

        Assert.Empty((await server.CallOkAsync("list_reservations")).GetProperty("reservations").EnumerateArray());
        Assert.Equal(before, await LedgerSnapshot.TakeAsync(server.Ledger, "alice", "bob"));
        Assert.Equal(ReservationStatus.Held, (await server.Ledger.GetReservationAsync("bob", bobs)).Status);
    }

    [Fact]
    public async Task KeyedReservationCalls_AreReplayedNotRepeated()
    {
        await using var server = await McpTestServer.StartAsync();
        const string reserve = """{"operation":"model.export.step","quantity":3,"idempotency_key":"hold-1"}""";

        var first = await server.CallContractAsync("reserve_operation", reserve);
        var again = await server.CallContractAsync("reserve_operation", reserve);
        var id = first.Str("reservation_id");
        var settle = $$"""{"reservation_id":"{{id}}","quantity":2,"idempotency_key":"settle-1"}""";
        var settled = await server.CallContractAsync("settle_reservation", settle);
        var settledAgain = await server.CallContractAsync("settle_reservation", settle);
        var second = (await server.CallOkAsync("reserve_operation", """{"operation":"analysis.weight"}""")).Str("reservation_id");
        var voidCall = $$"""{"reservation_id":"{{second}}","idempotency_key":"void-1"}""";
        var voided = await server.CallContractAsync("void_reservation", voidCall);
        var voidedAgain = await server.CallContractAsync("void_reservation", voidCall);

        Assert.Equal((id, true, 970L), (again.Str("reservation_id"), again.Bool("replayed"), again.Long("balance_after")));
        Assert.Equal((false, true), (settled.Bool("replayed"), settledAgain.Bool("replayed")));
        Assert.Equal(settled.Str("transaction_id"), settledAgain.Str("transaction_id"));
        Assert.Equal((false, true, "voided"), (voided.Bool("replayed"), voidedAgain.Bool("replayed"), voidedAgain.Str("status")));
        Assert.Equal(980, (await server.CallOkAsync("get_balance")).Long("balance"));
        Assert.Single((await server.CallOkAsync("get_transaction_history", """{"kind":"charge"}""")).GetProperty("transactions").EnumerateArray());
        Assert.Equal("idempotency key reused with different arguments", await server.CallErrorAsync("reserve_operation", """{"operation":"model.export.step","quantity":4,"idempotency_key":"hold-1"}"""));
        Assert.Equal("idempotency key reused with different arguments", await server.CallErrorAsync("settle_reservation", $$"""{"reservation_id":"{{id}}","quantity":1,"idempotency_key":"settle-1"}"""));
    }

    [Fact]
    public async Task OperatorMode_SettlesAnotherAccountsReservation_NamedByAccount()
    {
        await using var server = await McpTestServer.StartAsync(operatorMode: true);
        var bobs = (await server.Ledger.ReserveAsync("bob", new ReservationRequest("model.export.step") { Quantity = 2 })).Reservation.Id;

        var settled = await server.CallContractAsync("settle_reservation", $$"""{"account":"bob","reservation_id":"{{bobs}}","quantity":1}""");

        Assert.Equal((10L, 10L, 990L), (settled.Long("charged"), settled.Long("released"), settled.Long("balance_after")));
        Assert.Equal("account 'carol' does not exist", await server.CallErrorAsync("list_reservations", """{"account":"carol"}"""));
        Assert.Equal($"Reservation {bobs} not found", await server.CallErrorAsync("get_reservation", $$"""{"reservation_id":"{{bobs}}"}"""));
    }

    [Fact]
    public async Task Reserve_IsADebitOfTheSessionsBudget()
    {
        await using var server = await McpTestServer.StartAsync(budget: new Core.Keys.KeyBudget(MaxPerCall: 100, MaxPerDay: 200));

        var refused = await server.CallErrorAsync("reserve_operation", """{"operation":"cam.cnc_toolpath","quantity":2}""");
        var held = await server.CallOkAsync("reserve_operation", """{"operation":"cam.cnc_toolpath"}""");
        var budget = await server.CallOkAsync("get_budget");
        await server.CallOkAsync("void_reservation", $$"""{"reservation_id":"{{held.Str("reservation_id")}}"}""");

        Assert.Equal("max_per_call is 100 tokens; this call needs 150", refused);
        Assert.Equal(75, budget.Long("used_today"));
        Assert.Equal(0, (await server.CallOkAsync("get_budget")).Long("used_today"));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Sweeper_ExpiresAReservationNobodyTouches_WithinAMinuteOfItsExpiry(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version, hostOnTheFakeClock: true);
        var reserved = await server.CallOkAsync("reserve_operation", """{"operation":"model.export.step","expires_in_seconds":30}""");
        var id = reserved.Str("reservation_id")!;
        var expired = new TaskCompletionSource<LedgerEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Ledger.EventRaised += (_, e) =>
        {
            if (e.Name == LedgerEventNames.ReservationExpired)
            {
                expired.TrySetResult(e);
            }
        };

        // The sweeper's tick at 20 seconds finds nothing due; the one at 40 expires it. No call touches the account.
        server.Clock.Advance(ReservationSweeper.Interval);
        Assert.False(expired.Task.IsCompleted);
        server.Clock.Advance(ReservationSweeper.Interval);
        var e = await expired.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(id, e.Data["reservation_id"]);
        Assert.Equal("alice", e.Account);
        Assert.InRange(e.Timestamp - McpTestServer.Start.AddSeconds(30), TimeSpan.Zero, TimeSpan.FromMinutes(1));
        // Read from the file, not through a tool: a tool call would itself be a touch that expires it.
        var accounts = LedgerFile.Accounts(server.DatabasePath);
        Assert.Equal((1000L, 0L), (accounts["alice"].Balance, accounts["hold:" + id].Balance));
        Assert.Equal("expired", (await server.CallOkAsync("get_reservation", $$"""{"reservation_id":"{{id}}"}""")).Str("status"));
    }
}
