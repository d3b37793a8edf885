using System.Collections.Concurrent;
using CycleTokens.Core.Events;
using CycleTokens.Core.Reservations;
using CycleTokens.Core.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace CycleTokens.Core.Tests.Invariants;

/// <summary>
/// Connections to one file (as several server processes would hold) settling, voiding and expiring the same
/// reservation at once: exactly one of them ends it, the others are told how it ended, and the hold returns once.
/// </summary>
public sealed class ReservationRaceTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string User = "racer";

    [Fact]
    public async Task SettleVoidTouchAndSweep_OfOneReservation_FromFourConnections_EndItExactlyOnce()
    {
        using var t = new TestLedger();
        // Two servers whose clocks are a minute apart: to the late one the reservation has already expired.
        var late = new FakeTimeProvider(t.Clock.GetUtcNow().AddMinutes(1));
        TokenLedger[] connections = [t.OpenAnother(idTag: "s"), t.OpenAnother(idTag: "v"), t.OpenAnother(late, "t"), t.OpenAnother(late, "w")];
        var events = new ConcurrentQueue<LedgerEvent>();
        foreach (var connection in connections)
        {
            connection.EventRaised += (_, e) => events.Enqueue(e);
        }

        var endings = new Dictionary<string, int>(StringComparer.Ordinal);
        long charged = 0;
        for (var round = 0; round < 30; round++)
        {
            var id = (await t.Ledger.ReserveAsync(User, new ReservationRequest("model.export.step") { Params = TestLedger.Json($"{{\"round\":{round}}}"), Quantity = 3, ExpiresInSeconds = 30 })).Reservation.Id;
            events.Clear();

            // The thread the barrier releases last tends to win, so the roles turn round: each is that thread in turn.
            var outcomes = new string[4];
            await Race.RunAsync(4, async slot =>
            {
                var worker = (slot + round) % 4;
                outcomes[worker] = await OutcomeAsync(connections[worker], worker);
                return worker;
            });

            async Task<string> OutcomeAsync(TokenLedger ledger, int worker)
            {
                try
                {
                    return worker switch
                    {
                        0 => "settled " + (await ledger.SettleReservationAsync(User, id, quantity: 2)).Charge!.Charged,
                        1 => "voided " + (await ledger.VoidReservationAsync(User, id)).Reservation.Released,
                        2 => (await ledger.GetBalanceAsync(User)).HeldInReservations == 0 ? "touched" : "touched, still held",
                        _ => "swept " + await ledger.ExpireDueReservationsAsync(),
                    };
                }
                catch (LedgerException ex)
                {
                    return ex.Message;
                }
            }

            var reservation = await t.Ledger.GetReservationAsync(User, id);
            var status = reservation.Status.ToString().ToLowerInvariant();
            endings[status] = endings.GetValueOrDefault(status) + 1;
            var notHeld = $"Reservation {id} is not held (status: {status})";
            var expired = $"Reservation {id} has expired";
            Assert.Equal(1, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions WHERE ref = $id AND type = 'reservation_release'", ("$id", id)));
            Assert.Equal("touched", outcomes[2]);
            switch (reservation.Status)
            {
                case ReservationStatus.Settled:
                    Assert.Equal(["settled 20", notHeld, "swept 0"], [outcomes[0], outcomes[1], outcomes[3]]);
                    Assert.Single(events, e => e.Name == LedgerEventNames.ReservationSettled);
                    charged += 20;
                    break;
                case ReservationStatus.Voided:
                    Assert.Equal([notHeld, "voided 30", "swept 0"], [outcomes[0], outcomes[1], outcomes[3]]);
                    Assert.Single(events, e => e.Name == LedgerEventNames.ReservationVoided);
                    break;
                default:
                    Assert.Equal(ReservationStatus.Expired, reservation.Status);
                    Assert.Equal([expired, expired], [outcomes[0], outcomes[1]]);
                    Assert.Contains(outcomes[3], new[] { "swept 0", "swept 1" });
                    Assert.Single(events, e => e.Name == LedgerEventNames.ReservationExpired);
                    break;
            }

            Assert.DoesNotContain(events, e => e.Name is LedgerEventNames.ReservationSettled or LedgerEventNames.ReservationVoided or LedgerEventNames.ReservationExpired && (string)e.Data["reservation_id"]! != id);
            Assert.Equal(1000 - charged, LedgerChecks.Balance(t.DatabasePath, User));
            Assert.Equal(0, LedgerChecks.Balance(t.DatabasePath, "hold:" + id));
            t.Clock.Advance(TimeSpan.FromMinutes(2));
            late.Advance(TimeSpan.FromMinutes(2));
        }

        // Who takes the lock first is up to the threads, so how often each way of ending won is not fixed.
        Assert.Equal(30, endings.Values.Sum());
        output.WriteLine(string.Join(", ", endings.Select(e => $"{e.Key}: {e.Value}")));
        await AssertCleanAsync(t);
    }

    [Fact]
    public async Task SettlesAndVoids_OfOneReservation_FromFourConnections_ExactlyOneSucceeds()
    {
        using var t = new TestLedger();
        var connections = Enumerable.Range(0, 4).Select(i => t.OpenAnother(idTag: $"c{i}")).ToArray();
        var winners = new List<int>();
        long charged = 0;

        for (var round = 0; round < 20; round++)
        {
            var id = (await t.Ledger.ReserveAsync(User, new ReservationRequest("ai.design_review") { Params = TestLedger.Json($"{{\"round\":{round}}}"), Quantity = 4 })).Reservation.Id;

            // Workers 0 and 2 settle (one and two units), 1 and 3 void; the thread released last changes every round.
            var outcomes = new long[4];
            await Race.RunAsync(4, async slot =>
            {
                var worker = (slot + round) % 4;
                var ledger = connections[worker];
                outcomes[worker] = await OutcomeAsync(ledger, worker);
                return worker;
            });

            async Task<long> OutcomeAsync(TokenLedger ledger, int worker)
            {
                try
                {
                    return worker % 2 == 0
                        ? (await ledger.SettleReservationAsync(User, id, quantity: 1 + (worker / 2))).Charge!.Charged
                        : -(await ledger.VoidReservationAsync(User, id)).Reservation.Released!.Value;
                }
                catch (LedgerException ex) when (ex.Code == LedgerErrorCode.ReservationNotHeld)
                {
                    return 0;
                }
            }

            var winner = Assert.Single(Enumerable.Range(0, 4), w => outcomes[w] != 0);
            winners.Add(winner);
            var status = (await t.Ledger.GetReservationAsync(User, id)).Status;
            Assert.Equal(winner % 2 == 0 ? ReservationStatus.Settled : ReservationStatus.Voided, status);
            Assert.Equal(winner switch { 0 => 15, 2 => 30, _ => -60 }, outcomes[winner]);
            charged += Math.Max(0, outcomes[winner]);
            Assert.Equal(1, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions WHERE ref = $id AND type = 'reservation_release'", ("$id", id)));
            Assert.Equal(winner % 2 == 0 ? 1 : 0, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions WHERE ref = $id AND kind = 'charge'", ("$id", id)));
        }

        output.WriteLine("winners by worker: " + string.Join(", ", winners.GroupBy(w => w).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}")));
        Assert.Equal(1000 - charged, LedgerChecks.Balance(t.DatabasePath, User));
        await AssertCleanAsync(t);
    }

    [Fact]
    public async Task Settle_OfOneReservation_FromFourConnectionsWithTheSameKey_ChargesOnce_AndAllGetTheSameResult()
    {
        using var t = new TestLedger();
        var connections = Enumerable.Range(0, 4).Select(i => t.OpenAnother(idTag: $"c{i}")).ToArray();

        for (var round = 0; round < 10; round++)
        {
            var id = (await t.Ledger.ReserveAsync(User, new ReservationRequest("analysis.weight") { Params = TestLedger.Json($"{{\"round\":{round}}}"), Quantity = 20 })).Reservation.Id;

            var results = await Race.RunAsync(connections, (ledger, _) => ledger.SettleReservationAsync(User, id, quantity: 10, idempotencyKey: $"settle-{round}"));

            var first = Assert.Single(results, r => !r.Replayed);
            Assert.All(results.Where(r => r.Replayed), r => Assert.Equal(first with { Replayed = true }, r));
            Assert.Equal(1, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions WHERE ref = $id AND kind = 'charge'", ("$id", id)));
        }

        // 10 units of 2 at 25% off: 15 a round.
        Assert.Equal(1000 - (10 * 15), LedgerChecks.Balance(t.DatabasePath, User));
        await AssertCleanAsync(t);
    }

    [Fact]
    public async Task Reservations_FromFourConnectionsBeyondTheBalance_NeverOverdraw_AndEachIsSettledOnce()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync(User);
        var connections = Enumerable.Range(0, 4).Select(i => t.OpenAnother(idTag: $"c{i}")).ToArray();
        var refused = new ConcurrentBag<string>();

        // 4 x 40 reservations of 10 tokens against 1,000: each settles one unit in three, voids the others.
        var settled = await Race.RunAsync(connections, async (ledger, worker) =>
        {
            var ok = 0;
            for (var i = 0; i < 40; i++)
            {
                try
                {
                    var reserved = await ledger.ReserveAsync(User, new ReservationRequest("model.export.step") { Params = TestLedger.Json($"{{\"w\":{worker},\"i\":{i}}}") });
                    if (i % 3 == 0)
                    {
                        await ledger.SettleReservationAsync(User, reserved.Reservation.Id);
                        ok++;
                    }
                }
                catch (LedgerException ex) when (ex.Code == LedgerErrorCode.InsufficientTokens)
                {
                    refused.Add(ex.Message);
                }
            }

            return ok;
        });

        var balance = await t.Ledger.GetBalanceAsync(User);
        Assert.Equal(1000 - (10 * settled.Sum()), balance.Total + balance.HeldInReservations);
        Assert.True(balance.Total >= 0);
        Assert.All(refused, message => Assert.StartsWith("Insufficient tokens: have ", message, StringComparison.Ordinal));
        Assert.Equal(settled.Sum(), RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM reservations WHERE status = 'settled'"));
        await AssertCleanAsync(t);
    }

    private static async Task AssertCleanAsync(TestLedger t)
    {
        using var probe = new JournalProbe(t.DatabasePath);
        var problems = probe.Advance();
        problems.AddRange(probe.FullCheck());
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        var report = await t.Ledger.VerifyAsync();
        Assert.True(report.Ok, string.Join("\n", report.Problems));
    }
}
