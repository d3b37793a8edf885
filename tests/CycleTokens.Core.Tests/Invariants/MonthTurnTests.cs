using System.Collections.Concurrent;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Events;
using CycleTokens.Core.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace CycleTokens.Core.Tests.Invariants;

/// <summary>
/// Two connections to one file, each with its own clock, touch the same user at the turn of the month: the
/// reset happens exactly once, and a clock that lags never takes the user back to the old month nor resets
/// it a second time when it catches up. The user also holds an escrow, paid from March's allowance, that
/// expires at midnight: it is cancelled exactly once, and its allowance part expires with its month.
/// </summary>
public sealed class MonthTurnTests
{
    private const string User = "turner";
    private const int Rounds = 20;
    private const long Granted = 5000;
    private const long Escrowed = 200;
    private const int OldMonth = (2026 * 12) + 2; // March 2026
    private const int NewMonth = (2026 * 12) + 3; // April 2026

    private static readonly DateTimeOffset Midnight = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset MidMarch = new(2026, 3, 20, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task MonthTurn_TwoConnectionsJustPastMidnight_ResetExactlyOnce()
    {
        for (var round = 0; round < Rounds; round++)
        {
            using var turn = await MonthTurn.StartAsync(round, Midnight.AddMilliseconds(500), Midnight.AddMilliseconds(1200));
            await turn.RaceAsync();

            turn.AssertResetOnce();
            // Both clocks are past midnight: nothing after the setup may be booked in the old month.
            Assert.Equal(0, turn.OldMonthChargesAfterSetup());
            await turn.AssertBalancesAsync();
        }
    }

    [Fact]
    public async Task MonthTurn_OneClockSecondsBehind_NeverResetsBackwardsOrTwice()
    {
        for (var round = 0; round < Rounds; round++)
        {
            using var turn = await MonthTurn.StartAsync(round, Midnight.AddSeconds(1), Midnight.AddSeconds(-3));
            await turn.RaceAsync();
            turn.AssertResetOnce();
            await turn.AssertBalancesAsync();

            // The lagging clock now passes midnight too: the month it reaches is already the stored one.
            turn.ClockB.SetUtcNow(Midnight.AddSeconds(2));
            await turn.RaceAsync();
            turn.AssertResetOnce();
            await turn.AssertBalancesAsync();
        }
    }

    [Fact]
    public async Task LaggingClock_TouchingFirst_KeepsTheOldMonthUntilTheOtherClockTurnsIt()
    {
        using var turn = await MonthTurn.StartAsync(0, Midnight.AddSeconds(1), Midnight.AddSeconds(-3));

        var beforeTurn = await turn.ChargeAsync(turn.B, "{\"n\":1}");
        Assert.Equal(0, RawDb.Scalar(turn.Path, "SELECT COUNT(*) FROM transactions WHERE kind = 'expiry' OR type = 'escrow_cancel'"));
        Assert.Equal(OldMonth, RawDb.Scalar(turn.Path, "SELECT month_key FROM transactions WHERE id = $id", ("$id", beforeTurn.TransactionId)));

        var turned = await turn.A.GetBalanceAsync(User);
        Assert.Equal(1000, turned.Allowance);
        Assert.Equal(Midnight, turned.MonthStart);

        // Still before midnight by its own clock, B now books in the new month and does not reset.
        var afterTurn = await turn.ChargeAsync(turn.B, "{\"n\":2}");
        Assert.Equal(NewMonth, RawDb.Scalar(turn.Path, "SELECT month_key FROM transactions WHERE id = $id", ("$id", afterTurn.TransactionId)));
        Assert.Equal(Midnight, (await turn.B.GetBalanceAsync(User)).MonthStart);

        turn.ClockB.SetUtcNow(Midnight.AddSeconds(5));
        Assert.Equal(990 + Granted, (await turn.B.GetBalanceAsync(User)).Total);
        turn.AssertResetOnce();
        await turn.AssertBalancesAsync();
    }

    /// <summary>
    /// One file with a user created in March (5,000 granted, part of the allowance spent) and two more connections
    /// whose clocks stand at the turn of the month.
    /// </summary>
    private sealed class MonthTurn : IDisposable
    {
        private readonly TestLedger _t;
        private readonly ConcurrentQueue<LedgerEvent> _events = new();
        private readonly ConcurrentBag<long> _charges = [];
        private long _setupSeq;
        private long _allowanceBeforeTurn;
        private int _race;

        private MonthTurn(TestLedger t, FakeTimeProvider clockA, FakeTimeProvider clockB)
        {
            _t = t;
            ClockA = clockA;
            ClockB = clockB;
            A = t.OpenAnother(clockA, "a");
            B = t.OpenAnother(clockB, "b");
            A.EventRaised += (_, e) => _events.Enqueue(e);
            B.EventRaised += (_, e) => _events.Enqueue(e);
        }

        public FakeTimeProvider ClockA { get; }

        public FakeTimeProvider ClockB { get; }

        public TokenLedger A { get; }

        public TokenLedger B { get; }

        public string Path => _t.DatabasePath;

        public static async Task<MonthTurn> StartAsync(int round, DateTimeOffset clockA, DateTimeOffset clockB)
        {
            var t = new TestLedger(start: MidMarch);
            await t.Ledger.GetBalanceAsync(User);
            await t.Ledger.GrantAsync(User, Granted);
            await t.Ledger.SpendAsync(User, 100 + round, "setup");
            var hoursToMidnight = (int)(Midnight - MidMarch).TotalHours;
            var escrow = await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(Escrowed, "job-at-midnight", "fab_1") { ExpiresInHours = hoursToMidnight });
            Assert.Equal(Midnight, escrow.Escrow.ExpiresAt);
            var turn = new MonthTurn(t, new FakeTimeProvider(clockA), new FakeTimeProvider(clockB))
            {
                _allowanceBeforeTurn = 1000 - (100 + round) - Escrowed,
                _setupSeq = RawDb.Scalar(t.DatabasePath, "SELECT MAX(seq) FROM transactions"),
            };
            return turn;
        }

        /// <summary>Two workers per connection, all released at once, each alternating balance reads and charges.</summary>
        public async Task RaceAsync()
        {
            var race = ++_race;
            await Race.RunAsync([A, A, B, B], async (ledger, worker) =>
            {
                for (var i = 0; i < 10; i++)
                {
                    if ((i + worker) % 2 == 0)
                    {
                        var balance = await ledger.GetBalanceAsync(User);
                        Assert.True(balance.Allowance >= 0 && balance.Purchased == Granted, $"read {balance}");
                    }
                    else
                    {
                        await ChargeAsync(ledger, $"{{\"race\":{race},\"worker\":{worker},\"i\":{i}}}");
                    }
                }

                return true;
            });
        }

        /// <summary>Charges 10 tokens (distinct params: no cache discount) and remembers it.</summary>
        public async Task<ChargeResult> ChargeAsync(TokenLedger ledger, string paramsJson)
        {
            var charge = await ledger.ChargeAsync(User, new ChargeRequest("model.export.step") { Params = TestLedger.Json(paramsJson) });
            Assert.Equal(10, charge.Charged);
            _charges.Add(charge.Charged);
            return charge;
        }

        /// <summary>One allowance and one expiry for the new month, none backwards, one month-reset event, user in the new month.</summary>
        public void AssertResetOnce()
        {
            Assert.Equal(1, Count("kind = 'allowance' AND month_key = $new"));
            Assert.Equal(1, Count("kind = 'allowance' AND month_key = $old"));
            Assert.Equal(2, Count("kind = 'allowance'"));
            Assert.Equal(1, Count("kind = 'expiry' AND month_key = $new"));
            Assert.Equal(1, Count("kind = 'expiry'"));
            Assert.Equal(1, _events.Count(e => e.Name == LedgerEventNames.MonthReset));
            Assert.Equal(1, _events.Count(e => e.Name == LedgerEventNames.EscrowCancelled));
            Assert.Equal(1, Count("type = 'escrow_cancel'"));
            Assert.Equal(1, RawDb.Scalar(Path, "SELECT COUNT(*) FROM escrows WHERE status = 'cancelled'"));
            Assert.Equal(NewMonth, RawDb.Scalar(Path, "SELECT month_key FROM accounts WHERE id = $u", ("$u", User)));

            // Only a clock past midnight can turn the month.
            var resetMs = RawDb.Scalar(Path, "SELECT created_ms FROM transactions WHERE kind = 'expiry'");
            Assert.True(resetMs >= Midnight.ToUnixTimeMilliseconds(), $"the reset was written at {DateTimeOffset.FromUnixTimeMilliseconds(resetMs):O}, before midnight");

            // Commit order: every charge before the reset belongs to the old month, every one after it to the new.
            var resetSeq = RawDb.Scalar(Path, "SELECT seq FROM transactions WHERE kind = 'allowance' AND month_key = $new", ("$new", NewMonth));
            Assert.Equal(0, Count("kind = 'charge' AND seq < $reset AND month_key <> $old", ("$reset", resetSeq)));
            Assert.Equal(0, Count("kind = 'charge' AND seq > $reset AND month_key <> $new", ("$reset", resetSeq)));
        }

        public long OldMonthChargesAfterSetup() => Count("kind = 'charge' AND month_key = $old AND seq > $setup", ("$setup", _setupSeq));

        /// <summary>
        /// What expired is the March allowance left after March's charges; April's allowance paid April's charges;
        /// purchased tokens are untouched; the journal balances and verifies.
        /// </summary>
        public async Task AssertBalancesAsync()
        {
            var oldCharged = Sum("kind = 'charge' AND month_key = $old AND seq > $setup", ("$setup", _setupSeq));
            var newCharged = Sum("kind = 'charge' AND month_key = $new");
            Assert.Equal(_charges.Sum(), oldCharged + newCharged);
            Assert.Equal(_allowanceBeforeTurn - oldCharged, Sum("kind = 'expiry'"));
            // The escrow expired at midnight, after the reset: its March allowance part expires, nothing returns.
            Assert.Equal(_allowanceBeforeTurn - oldCharged + Escrowed, RawDb.Scalar(Path, "SELECT balance FROM accounts WHERE id = 'system:expired'"));
            Assert.Equal(0, RawDb.Scalar(Path, "SELECT COALESCE(SUM(balance), 0) FROM accounts WHERE kind = 'escrow'"));

            var balance = await A.GetBalanceAsync(User);
            Assert.Equal(1000 - newCharged, balance.Allowance);
            Assert.Equal(Granted, balance.Purchased);
            Assert.Equal(Midnight, balance.MonthStart);

            using var probe = new JournalProbe(Path);
            var problems = probe.Advance();
            problems.AddRange(probe.FullCheck());
            Assert.True(problems.Count == 0, string.Join("\n", problems));
            var report = await A.VerifyAsync();
            Assert.True(report.Ok, string.Join("\n", report.Problems));
        }

        public void Dispose() => _t.Dispose();

        private long Count(string where, params (string Name, object Value)[] args) =>
            RawDb.Scalar(Path, "SELECT COUNT(*) FROM transactions WHERE account = $u AND " + where, WithMonths(args));

        private long Sum(string where, params (string Name, object Value)[] args) =>
            RawDb.Scalar(Path, "SELECT COALESCE(SUM(amount), 0) FROM transactions WHERE account = $u AND " + where, WithMonths(args));

        private static (string Name, object Value)[] WithMonths((string Name, object Value)[] args) =>
            [("$u", User), ("$old", OldMonth), ("$new", NewMonth), .. args];
    }
}
