using CycleTokens.Core.Charges;
using CycleTokens.Core.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace CycleTokens.Core.Tests.Invariants;

/// <summary>
/// Issue 13 item 3 at the engine, what only PostgreSQL has: the connection of the host performing a month reset is lost
/// in the middle of its transaction; the server rolls the reset back and frees the write lock, another host resets the
/// month once, and the first host's retry with the same key only charges.
/// </summary>
/// <remarks>
/// The races and month turns of <see cref="RaceTests"/> and <see cref="MonthTurnTests"/> run on PostgreSQL in CI's
/// second pass of the engine suite (<c>CYCLETOKENS_TEST_BACKEND=postgres</c>). This needs a proxy to cut the
/// connection, so it always runs on PostgreSQL; tagged SQLite so that pass does not run it twice.
/// </remarks>
[Trait("Backend", "Sqlite")]
public sealed class PostgresCrossConnectionTests
{
    private const string User = "turner";
    private const long Granted = 5000;
    private const int NewMonth = (2026 * 12) + 3; // April 2026

    private static readonly DateTimeOffset Midnight = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);

    [PostgresFact]
    public async Task MonthReset_WhoseConnectionIsLostMidTransaction_IsDoneOnceByAnotherHost_AndTheRetryAppliesOnce()
    {
        using var t = new TestLedger(start: Midnight.AddDays(-10), postgres: true);
        await t.Ledger.GrantAsync(User, Granted);
        await using var proxy = PostgresProxy.Start(PostgresServer.ConnectionString!);
        using var ids = new GatedIdGenerator(new SequentialIdGenerator("a"));
        using var a = TokenLedger.Open(t.Options with { DatabasePath = proxy.Uri(t.PostgresDatabase!) }, new FakeTimeProvider(Midnight.AddSeconds(1)), ids);
        var b = t.OpenAnother(new FakeTimeProvider(Midnight.AddSeconds(2)), "b");
        var charge = new ChargeRequest("model.export.step") { Params = TestLedger.Json("{\"host\":\"a\"}"), IdempotencyKey = "a-after-midnight" };

        // Host a is the first to touch the user in April: it holds the write lock in the middle of the month reset.
        ids.HoldNext();
        var first = Task.Run(() => a.ChargeAsync(User, charge));
        Assert.True(ids.Held.Wait(TimeSpan.FromSeconds(30)), "host a never reached the month reset");
        var other = Task.Run(() => b.ChargeAsync(User, new ChargeRequest("model.export.step") { Params = TestLedger.Json("{\"host\":\"b\"}"), IdempotencyKey = "b-after-midnight" }));

        // Its connection dies: the server rolls its reset back and frees the lock; host b resets the month and charges.
        proxy.SeverAll();
        var charged = await other.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Granted + 1000 - 10, charged.BalanceAfter);
        ids.Release();
        var lost = await Assert.ThrowsAsync<LedgerUnavailableException>(() => first);
        Assert.Equal(LedgerUnavailableException.NothingWrittenMessage, lost.Message);

        // Retried with its key, host a finds April begun and only charges.
        var retried = await a.ChargeAsync(User, charge);
        Assert.False(retried.Replayed);
        Assert.Equal(Granted + 1000 - 20, retried.BalanceAfter);
        Assert.Equal(1, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions WHERE kind = 'allowance' AND month_key = $m", ("$m", NewMonth)));
        Assert.Equal(1, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions WHERE kind = 'expiry'"));
        Assert.Equal(NewMonth, RawDb.Scalar(t.DatabasePath, "SELECT month_key FROM accounts WHERE id = $u", ("$u", User)));
        Assert.Equal(2, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions WHERE kind = 'charge' AND month_key = $m", ("$m", NewMonth)));
        using var probe = new JournalProbe(t.DatabasePath);
        var problems = probe.Advance();
        problems.AddRange(probe.FullCheck());
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        var report = await b.VerifyAsync();
        Assert.True(report.Ok, string.Join("\n", report.Problems));
    }
}
