using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using CycleTokens.Core.Tests.Support;
using CycleTokens.Core;
using CycleTokens.Mcp.Tests.Support;
using Xunit.Abstractions;

namespace CycleTokens.Mcp.Tests.Reliability;

/// <summary>
/// How long a charge takes when writers queue for the file: the same charges sent by one process with one sender
/// (no contention), one process with eight senders (they queue inside the process), and four processes with two
/// senders each (they queue for the file's write lock). Round trips are measured at the client and printed for
/// docs/reliability.md, with each server's own write-lock figures (logged when its session ends); nothing is asserted
/// about time, only that every charge was applied once, every server exits cleanly and the file verifies.
/// </summary>
[Collection(ReliabilityGroup.Name)]
public sealed class ContentionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ChargesFromOneAndFourProcesses_AreAllApplied_AndTheirRoundTripsAreReported()
    {
        var perSender = TestRuns.Long ? 1000 : 150;
        using var folder = new TempFolder();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(TestRuns.Long ? 20 : 3));

        var single = await RunAsync(folder.File("single.db"), processes: 1, sendersPerProcess: 1, perSender * 2, cts.Token);
        var queued = await RunAsync(folder.File("queued.db"), processes: 1, sendersPerProcess: 8, perSender, cts.Token);
        var four = await RunAsync(folder.File("four.db"), processes: 4, sendersPerProcess: 1, perSender * 2, cts.Token);
        var shared = await RunAsync(folder.File("shared.db"), processes: 4, sendersPerProcess: 2, perSender, cts.Token);

        // A charge's commit time is the uncontended round trip; with n writers in flight a charge waits for up to
        // n - 1 others, so the tail is read per writer in flight.
        var commit = single.Latency.P50;
        output.WriteLine("charge round trips (client side, MCP over stdio, synchronous=FULL):");
        output.WriteLine($"  1 process  x 1 sender : {single}");
        output.WriteLine($"  1 process  x 8 senders: {queued}; p99 = {queued.Latency.P99 / commit:F1} commit times ({queued.Latency.P99 / commit / 8:F1} per writer in flight); {Queue(queued, 8)}");
        output.WriteLine($"  4 processes x 1 sender : {four}; p99 = {four.Latency.P99 / commit:F1} commit times ({four.Latency.P99 / commit / 4:F1} per writer in flight); {Queue(four, 4)}");
        output.WriteLine($"  4 processes x 2 senders: {shared}; p99 = {shared.Latency.P99 / commit:F1} commit times ({shared.Latency.P99 / commit / 8:F1} per writer in flight); {Queue(shared, 8)}");
        output.WriteLine("write lock, as each server logged it at exit (wait: queue turn + SQLite lock; held: the transaction, commit included):");
        foreach (var (label, figures) in new[] { ("1 process  x 1 sender ", single), ("1 process  x 8 senders", queued), ("4 processes x 1 sender ", four), ("4 processes x 2 senders", shared) })
        {
            foreach (var line in figures.Locks)
            {
                output.WriteLine($"  {label}: {line}");
            }
        }
    }

    // With n writers that each wait for their answer, any exclusive lock answers in about n times the time between two
    // charges on average (Little's law); the round trips are read against that as well.
    private static string Queue(Figures figures, int writers)
    {
        var perfect = writers * 1000 / figures.PerSecond;
        return string.Create(CultureInfo.InvariantCulture, $"a perfect queue: {perfect:F1} ms, p50 {figures.Latency.P50 / perfect:F1}x, p99 {figures.Latency.P99 / perfect:F1}x");
    }

    private static async Task<Figures> RunAsync(string db, int processes, int sendersPerProcess, int perSender, CancellationToken cancellationToken)
    {
        var sessions = new List<ServerSession>();
        Figures figures;
        try
        {
            await ServerSession.StartAllAsync(
                [.. Enumerable.Range(0, processes).Select(i => ServerSession.StartAsync($"contention-{i}", ["--db", db, "--account", $"user-{i % 2}"], null, cancellationToken))],
                sessions);
            foreach (var session in sessions)
            {
                // Create the user and warm the process up (JIT) before anything is measured.
                await session.CallOkAsync("get_balance", [], cancellationToken);
                await session.CallOkAsync("charge_for_operation", new JsonObject { ["operation"] = "marketplace.publish" }, cancellationToken);
            }

            // A first round of the same load, not measured: both the servers and this test process run their
            // hot paths through tiered compilation first (a test host pause of about half a second otherwise
            // lands in the figures).
            await SendAsync(sessions, sendersPerProcess, perSender / 3, new LoadRecorder(), cancellationToken);
            var recorder = new LoadRecorder();
            var watch = Stopwatch.StartNew();
            await SendAsync(sessions, sendersPerProcess, perSender, recorder, cancellationToken);
            watch.Stop();

            Assert.Empty(recorder.Anomalies);
            var charges = recorder.Calls;
            Assert.Equal(processes * sendersPerProcess * perSender, charges.Count(c => c.Ok));
            Assert.Equal(charges.Count + processes + (processes * sendersPerProcess * (perSender / 3)), LedgerFile.Journal(db).Count(r => r.Kind == "charge"));

            // Each server logs how its writes fared with the file's lock when its session ends.
            var locks = new List<string>();
            foreach (var session in sessions)
            {
                Assert.Equal(0, await session.StopAsync());
                locks.Add(session.WriteLockFigures);
            }

            figures = new Figures(LatencySummary.Of(charges.Select(c => c.LatencyMs)), charges.Count / watch.Elapsed.TotalSeconds, locks);
        }
        finally
        {
            foreach (var session in sessions)
            {
                await session.DisposeAsync();
            }
        }

        using var ledger = TokenLedger.Open(new LedgerOptions { DatabasePath = db });
        var report = await ledger.VerifyAsync(cancellationToken);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        return figures;
    }

    private static Task SendAsync(List<ServerSession> sessions, int sendersPerProcess, int perSender, LoadRecorder recorder, CancellationToken cancellationToken) =>
        Task.WhenAll(sessions.SelectMany(session => Enumerable.Range(0, sendersPerProcess).Select(_ => Task.Run(
            async () =>
            {
                for (var i = 0; i < perSender; i++)
                {
                    // marketplace.publish costs 0: the charge is written (journal, history) but never runs out of tokens.
                    await recorder.CallAsync(session, "charge_for_operation", session.Name, new JsonObject { ["operation"] = "marketplace.publish" }, cancellationToken);
                }
            },
            cancellationToken))));

    private sealed record Figures(LatencySummary Latency, double PerSecond, IReadOnlyList<string> Locks)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Latency}, {PerSecond:F0} charges/s");
    }
}
