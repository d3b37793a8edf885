using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using CycleTokens.Core.Tests.Support;
using CycleTokens.Core;
using CycleTokens.Mcp.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace CycleTokens.Mcp.Tests.Reliability;

/// <summary>
/// Many real <c>cycletokens serve</c> processes on one ledger file: four agent sessions (two per user) and two
/// operator sessions (setup, grants, purchase completions, and a third shared user) run a random mix of charges,
/// spends, escrows and purchases concurrently over stdio. Under <c>faketime</c> their clocks (a few tenths of a second
/// apart) start before midnight at the end of March and cross into April during the load; then an operator whose clock
/// is two hours ahead touches every user, so escrows created with <c>expires_in_hours: 1</c> expire. Afterwards the
/// file must verify, every balance must be what the acknowledged calls imply (<see cref="LoadAudit"/>, and an
/// independent replay of the journal, <see cref="JournalReplay"/>), nothing may be overdrawn, and each user must have
/// had exactly one month reset. Without <c>faketime</c> the same load runs without the month crossing, and says so.
/// The round trip of every charge is printed for docs/reliability.md. <c>CYCLETOKENS_LONG_TESTS=1</c> runs longer.
/// </summary>
[Collection(ReliabilityGroup.Name)]
public sealed class ManyProcessesTests(ITestOutputHelper output)
{
    private const int March = (2026 * 12) + 2;
    private const int April = March + 1;

    private static readonly DateTimeOffset Midnight = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);
    // dave is only read and granted to: his whole allowance is still there to expire at the reset.
    private static readonly string[] Users = ["alice", "bob", "carol", "dave"];

    // Name, bound account, operator mode, clock skew (seconds) against the shared fake clock.
    private static readonly (string Name, string Account, bool Operator, double Skew)[] Processes =
    [
        ("ops-1", "carol", true, 0.0),
        ("ops-2", "carol", true, -0.6),
        ("alice-1", "alice", false, 0.4),
        ("alice-2", "alice", false, -0.3),
        ("bob-1", "bob", false, 0.8),
        ("bob-2", "bob", false, -0.5),
    ];

    [Fact]
    public async Task SixProcessesOnOneFile_MixedLoadAcrossMidnight_KeepEveryBalanceExact()
    {
        var seed = TestRuns.Seed(20_260_331);
        var crossing = Faketime.Library is not null;
        Assert.True(crossing || !Faketime.Required, "CYCLETOKENS_REQUIRE_FAKETIME=1 but libfaketime is not installed (apt-get install faketime)");
        output.WriteLine($"seed {seed}; " + (crossing
            ? $"libfaketime {Faketime.Library}: the processes' clocks cross midnight 2026-03-31/04-01 during the load"
            : "faketime NOT found: the multi-process load runs WITHOUT the month crossing and escrow expiry (install faketime to include them)"));

        using var folder = new TempFolder();
        var db = folder.File("ledger.db");
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(TestRuns.Long ? 20 : 4));
        var ct = cts.Token;

        // How long a process takes to start here decides how far before midnight the clocks start.
        var probeWatch = Stopwatch.StartNew();
        await (await ServerSession.StartAsync("probe", ["--db", db], null, ct)).DisposeAsync();
        probeWatch.Stop();
        var lead = TimeSpan.FromSeconds(Math.Min(60, (TestRuns.Long ? 20 : 4) + (8 * probeWatch.Elapsed.TotalSeconds)));
        var realMidnight = DateTimeOffset.UtcNow + lead;
        string? Clock(double skew) => crossing ? Faketime.Offset(Midnight.AddSeconds(skew), realMidnight) : null;

        var recorder = new LoadRecorder(MixedLoad.ExpectedFailures);
        var sessions = new List<ServerSession>();
        var sweeps = 0;
        var locks = new List<string>();
        var loadStarted = 0L;
        var loadTime = TimeSpan.Zero;
        try
        {
            await ServerSession.StartAllAsync(
                [.. Processes.Select(p => ServerSession.StartAsync(p.Name, ["--db", db, "--account", p.Account, .. p.Operator ? ["--operator"] : Array.Empty<string>()], Clock(p.Skew), ct))],
                sessions);
            var actors = Processes.Select((p, i) => new Actor(sessions[i], p.Account, p.Operator)).ToList();

            // Setup by an operator: every user gets purchased tokens besides the allowance (this creates them).
            foreach (var user in Users)
            {
                var grant = await recorder.CallAsync(actors[0].Session, "grant_tokens", user, new JsonObject { ["account"] = user, ["amount"] = 300, ["idempotency_key"] = "setup-" + user }, ct);
                Assert.True(grant.Ok, grant.Error);
            }

            // Each process's clock: month_start proves .NET reads the fake clock (and that setup ended before midnight).
            foreach (var actor in actors)
            {
                var balance = await actor.Session.CallOkAsync("get_balance", actor.Operator ? new JsonObject { ["account"] = actor.Account } : [], ct);
                if (crossing && Environment.GetEnvironmentVariable("XP_NOCHECK") is null)
                {
                    Assert.True(
                        balance.GetProperty("month_start").GetString() == "2026-03-01T00:00:00.000Z",
                        $"{actor.Session.Name} is not in March 2026 after setup (month_start {balance.GetProperty("month_start")}): faketime not honoured, or setup took longer than the {lead.TotalSeconds:F1} s lead");
                }
            }

            if (crossing)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"start-up probe {probeWatch.Elapsed.TotalSeconds:F2} s; processes started and set up {lead.TotalSeconds - (realMidnight - DateTimeOffset.UtcNow).TotalSeconds:F2} s into a lead of {lead.TotalSeconds:F1} s"));
            }

            var crossed = new HashSet<string>(StringComparer.Ordinal);
            var allCrossed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var stop = false;
            var load = new MixedLoad(recorder, Users)
            {
                BalanceSeen = (actor, balance) =>
                {
                    if (balance.GetProperty("month_start").GetString() != "2026-04-01T00:00:00.000Z")
                    {
                        return;
                    }

                    lock (crossed)
                    {
                        crossed.Add(actor.Session.Name);
                        // Every process saw April, and every clock (the most lagging included) has passed midnight.
                        if (crossed.Count == Processes.Length && DateTimeOffset.UtcNow > realMidnight.AddSeconds(1))
                        {
                            allCrossed.TrySetResult();
                        }
                    }
                },
            };

            var opsPerLoop = TestRuns.Long ? 3000 : 250;
            var cap = 200_000; // a safety net only: the loops stop on their own
            bool KeepGoing(int done) => crossing ? !Volatile.Read(ref stop) && done < cap : done < opsPerLoop;
            var random = new Random(seed);
            loadStarted = Stopwatch.GetTimestamp();
            var loops = actors.SelectMany(actor => Enumerable.Range(0, actor.Operator ? 1 : 2).Select(_ =>
            {
                var loopRandom = new Random(random.Next());
                return Task.Run(() => actor.Operator ? load.OperatorLoopAsync(actor, loopRandom, KeepGoing, ct) : load.AgentLoopAsync(actor, loopRandom, KeepGoing, ct), ct);
            })).ToList();

            if (crossing)
            {
                // Wait for the crossing (or for a loop to fail), then run the late operator while the load goes on.
                await Task.WhenAny(allCrossed.Task, Task.WhenAll(loops)).WaitAsync(lead + TimeSpan.FromMinutes(2), ct);
                Assert.True(allCrossed.Task.IsCompleted, "the load ended before every process saw April: " + string.Join("\n", recorder.Anomalies));
                await using (var late = await ServerSession.StartAsync("late", ["--db", db, "--account", "carol", "--operator"], Clock(2 * 3600 + 300), ct))
                {
                    sweeps = TestRuns.Long ? 20 : 3;
                    await load.SweepAsync(new Actor(late, "carol", true), sweeps, ct);
                }

                Volatile.Write(ref stop, true);
            }

            await Task.WhenAll(loops);
            loadTime = Stopwatch.GetElapsedTime(loadStarted);

            // Each server logs how its writes fared with the file's lock when its session ends.
            foreach (var session in sessions)
            {
                Assert.Equal(0, await session.StopAsync());
                locks.Add($"{session.Name,-8} {session.WriteLockFigures}");
            }
        }
        finally
        {
            foreach (var session in sessions)
            {
                await session.DisposeAsync();
            }
        }

        // The file, read directly once every process is gone.
        var journal = LedgerFile.Journal(db);
        var accounts = LedgerFile.Accounts(db);
        var escrows = LedgerFile.Escrows(db);
        var calls = recorder.Calls;
        using (var ledger = TokenLedger.Open(new LedgerOptions { DatabasePath = db }, new FakeTimeProvider(Midnight.AddHours(3))))
        {
            var report = await ledger.VerifyAsync(ct);
            Assert.True(report.Ok, "verification: " + string.Join("\n", report.Problems));
        }

        Assert.True(recorder.Anomalies.Count == 0, "anomalies:\n" + string.Join("\n", recorder.Anomalies));
        var replay = JournalReplay.Run(journal, accounts, escrows, monthlyAllowance: 1000);
        Assert.True(replay.Problems.Count == 0, "journal replay:\n" + string.Join("\n", replay.Problems));
        var audit = LoadAudit.Problems(calls, journal, accounts, escrows, LedgerFile.Purchases(db));
        Assert.True(audit.Count == 0, "calls against the file:\n" + string.Join("\n", audit));

        // Exactly one month reset per user: one allowance per user and month (creation in March, reset in April).
        foreach (var user in Users)
        {
            var months = replay.Allowances.Where(a => a.Key.User == user).ToDictionary(a => a.Key.Month, a => a.Value);
            Assert.All(months, m => Assert.True(m.Value == 1, $"{user} got {m.Value} allowances in month {m.Key}"));
            if (crossing)
            {
                Assert.Equal(new[] { March, April }, months.Keys.Order());
                Assert.Equal(April, replay.Months[user]);
            }
        }

        Report(calls, journal, escrows, crossing, sweeps, new LoadWindow(loadStarted, loadTime, locks));
    }

    private void Report(IReadOnlyList<ToolCall> calls, List<JournalRow> journal, Dictionary<string, StoredEscrow> escrows, bool crossing, int sweeps, LoadWindow window)
    {
        var midnightMs = Midnight.ToUnixTimeMilliseconds();
        var loadRows = journal.Where(r => r.Kind is "charge" or "spend" or "escrow" or "purchase" or "grant").ToList();
        output.WriteLine($"{Processes.Length} processes ({Processes.Count(p => !p.Operator)} agent, {Processes.Count(p => p.Operator)} operator){(crossing ? $" + 1 late operator ({sweeps} sweeps)" : string.Empty)}, one file");
        output.WriteLine($"{calls.Count} calls: {calls.Count(c => c.Ok)} ok ({calls.Count(c => c is { Ok: true, Replayed: true })} replayed), {calls.Count(c => !c.Ok)} refused as expected");
        foreach (var group in calls.GroupBy(c => c.Tool).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {group.Key,-22} {group.Count(c => c.Ok),5} ok {group.Count(c => !c.Ok),5} refused"));
        }

        foreach (var reason in calls.Where(c => !c.Ok).GroupBy(c => c.Error!.StartsWith("Insufficient", StringComparison.Ordinal) ? "insufficient tokens" : "escrow not held"))
        {
            output.WriteLine($"  refused: {reason.Key}: {reason.Count()}");
        }

        if (crossing)
        {
            var expired = journal.Where(r => r.Type == "escrow_cancel" && r.Details?.Contains("\"reason\":\"expired\"", StringComparison.Ordinal) == true).ToList();
            output.WriteLine($"journal: {loadRows.Count(r => r.CreatedMs < midnightMs)} load transactions before midnight, {loadRows.Count(r => r.CreatedMs >= midnightMs)} after; " +
                $"{journal.Count(r => r.Kind == "expiry")} allowance expiries at the reset; {expired.Count} escrows expired ({expired.Count(r => escrows[r.Ref!].MonthKey == March)} held since March, their allowance part expired)");
        }

        static bool IsWrite(ToolCall c) => c.Tool is not ("get_balance" or "list_escrows");
        var loadCalls = calls.Where(c => c.Started >= window.Started && c.Process != "late").ToList();
        var charges = loadCalls.Where(c => c.Tool == "charge_for_operation").ToList();
        var warm = window.Started + Stopwatch.Frequency; // the first second: each process's first calls compile their code
        var steady = LatencySummary.Of(charges.Where(c => c.Started >= warm).Select(c => c.LatencyMs));
        output.WriteLine($"charge round trips: {LatencySummary.Of(charges.Select(c => c.LatencyMs))}");
        output.WriteLine($"  from 1 s into the load: {steady}");
        output.WriteLine($"all write round trips: {LatencySummary.Of(loadCalls.Where(IsWrite).Select(c => c.LatencyMs))}");

        // With N callers that each wait for their answer, any exclusive lock answers in about N lock cycles on average
        // (Little's law): that is the yardstick for the round trips above, not one commit.
        var callers = Processes.Sum(p => p.Operator ? 1 : 2);
        var cycle = window.Time.TotalMilliseconds / loadCalls.Count(IsWrite);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"lock cycle: {loadCalls.Count(IsWrite)} writes in {window.Time.TotalSeconds:F1} s, {cycle:F2} ms each; {callers} callers, so a perfect queue answers in about {callers * cycle:F1} ms; charges from 1 s in: p50 {steady.P50 / (callers * cycle):F1}x that, p99 {steady.P99 / (callers * cycle):F1}x"));
        output.WriteLine("slowest calls (seconds into the load, process, tool, round trip):");
        foreach (var call in calls.Where(c => c.Started >= window.Started).OrderByDescending(c => c.LatencyMs).Take(8))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {Stopwatch.GetElapsedTime(window.Started, call.Started).TotalSeconds,7:F3} s  {call.Process,-8} {call.Tool,-22} {call.LatencyMs,8:F1} ms"));
        }

        output.WriteLine("write lock, as each server logged it at exit (wait: queue turn + SQLite lock; held: the transaction, commit included):");
        foreach (var line in window.Locks)
        {
            output.WriteLine("  " + line);
        }

        output.WriteLine("anomalies: 0; verification: ok; replay and audit: 0 problems");
    }

    /// <summary>When the load began (a Stopwatch timestamp), how long it ran, and each server's write-lock figures.</summary>
    private sealed record LoadWindow(long Started, TimeSpan Time, IReadOnlyList<string> Locks);
}
