using System.Text.Json.Nodes;
using CycleTokens.Core.Tests.Support;
using CycleTokens.Core;
using CycleTokens.Mcp.Tests.Support;
using Xunit.Abstractions;

namespace CycleTokens.Mcp.Tests.Reliability;

/// <summary>
/// Crash consistency: a real server is killed with SIGKILL (whole process tree) at random moments while a client
/// sends keyed charges from several concurrent senders, then restarted on the same file — again and again. Every
/// charge acknowledged before a kill must be in the file after the restart; every charge left unanswered by a kill
/// is retried with the same key and must apply exactly once (replayed when it had committed); the file verifies.
/// <c>CYCLETOKENS_LONG_TESTS=1</c> kills 200 times instead of 20; <c>CYCLETOKENS_SEED</c> replays a seed.
/// </summary>
[Collection(ReliabilityGroup.Name)]
public sealed class CrashTests(ITestOutputHelper output)
{
    private const string User = "crash-user";
    private const long Granted = 1_000_000;
    private const int Senders = 4;

    private static readonly string[] Operations = ["model.export.step", "analysis.weight", "ai.design_review", "cam.cnc_toolpath", "custom.unknown_op"];

    [Fact]
    public async Task ServerKilledAtRandomMoments_KeepsEveryAcknowledgedCharge_AndRetriesApplyOnce()
    {
        var seed = TestRuns.Seed(20_260_401);
        var kills = TestRuns.Long ? 200 : 20;
        var random = new Random(seed);
        output.WriteLine($"seed {seed}, {kills} kills");
        using var folder = new TempFolder();
        var db = folder.File("ledger.db");
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(TestRuns.Long ? 30 : 4));
        using (var setup = TokenLedger.Open(new LedgerOptions { DatabasePath = db }))
        {
            await setup.GrantAsync(User, Granted, cancellationToken: cts.Token);
        }

        var arguments = new Dictionary<string, JsonObject>(StringComparer.Ordinal);   // every key ever sent, with its arguments
        var acknowledged = new Dictionary<string, (string Tx, long Charged)>(StringComparer.Ordinal);
        var unanswered = new List<string>();  // sent, no answer before the kill: to retry after the restart
        var stats = new CrashStats();

        for (var epoch = 0; epoch <= kills; epoch++)
        {
            var finalEpoch = epoch == kills;
            var ackedBefore = acknowledged.Keys.ToHashSet(StringComparer.Ordinal);
            await using var server = await ServerSession.StartAsync($"crash-{epoch}", ["--db", db, "--account", User], faketimeSpec: null, cts.Token);

            // Everything acknowledged so far survived the kill (and every kill before it).
            var journal = LedgerFile.Journal(db).Where(r => r.Kind == "charge").ToDictionary(r => r.Id, StringComparer.Ordinal);
            foreach (var key in ackedBefore)
            {
                var (tx, charged) = acknowledged[key];
                Assert.True(journal.TryGetValue(tx, out var row), $"epoch {epoch}: acknowledged charge {key} ({tx}) is missing after the restart");
                Assert.Equal((key, charged), (row.IdempotencyKey, row.Amount));
            }

            var work = new Queue<string>(unanswered);
            unanswered.Clear();
            var killed = false;
            var gate = new object();
            var nextKey = arguments.Count;

            string? Take()
            {
                lock (gate)
                {
                    if (killed)
                    {
                        return null;
                    }

                    if (work.TryDequeue(out var retry))
                    {
                        return retry;
                    }

                    if (finalEpoch)
                    {
                        return null;
                    }

                    var key = $"charge-{nextKey++:D6}";
                    arguments[key] = new JsonObject
                    {
                        ["operation"] = Operations[random.Next(Operations.Length)],
                        ["params"] = new JsonObject { ["part"] = random.Next(4) },
                        ["quantity"] = random.Next(3) == 0 ? 10 : 1,
                        ["idempotency_key"] = key,
                    };
                    return key;
                }
            }

            async Task SendAsync()
            {
                while (Take() is { } key)
                {
                    try
                    {
                        var result = await server.CallAsync("charge_for_operation", arguments[key].DeepClone().AsObject(), cts.Token);
                        Assert.True(result.IsError is not true, $"{key}: {McpTestServer.Text(result)}");
                        var content = result.StructuredContent!.Value;
                        var tx = content.GetProperty("transaction_id").GetString()!;
                        var charged = content.GetProperty("charged").GetInt64();
                        var replayed = content.GetProperty("replayed").GetBoolean();
                        lock (gate)
                        {
                            if (acknowledged.TryGetValue(key, out var earlier))
                            {
                                Assert.Equal(earlier, (tx, charged));
                            }

                            acknowledged[key] = (tx, charged);
                            stats.Answered(key, replayed);
                        }
                    }
                    catch (Exception ex) when (ex is not Xunit.Sdk.XunitException && !cts.IsCancellationRequested)
                    {
                        lock (gate)
                        {
                            // Only a kill may interrupt a call; anything else is a failure.
                            Assert.True(killed, $"{key} failed without a kill: {ex.GetType().Name}: {ex.Message}\n{server.StderrTail}");
                            unanswered.Add(key);
                            stats.Retried.Add(key);
                        }
                    }
                }
            }

            // Drawn before the senders start: they use the same Random (under the lock).
            var killAfter = random.Next(20, 400);
            var senders = Enumerable.Range(0, Senders).Select(_ => Task.Run(SendAsync)).ToArray();
            if (!finalEpoch)
            {
                // The point of the test: a bounded random moment, then SIGKILL while charges are in flight.
                await Task.Delay(killAfter, cts.Token);
                lock (gate)
                {
                    killed = true;
                }

                server.Kill();
            }

            await Task.WhenAll(senders);
            lock (gate)
            {
                // Keys handed out but never sent (taken after the kill flag) are retried too.
                unanswered.AddRange(work);
            }
        }

        Assert.Empty(unanswered);

        // Each key applied exactly once, with the charge its acknowledgement reported; the balance adds up.
        var charges = LedgerFile.Journal(db).Where(r => r.Kind == "charge").ToList();
        var byKey = charges.GroupBy(r => r.IdempotencyKey ?? "(none)", StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        Assert.Equal(arguments.Keys.Order(StringComparer.Ordinal), byKey.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, rows) in byKey)
        {
            var row = Assert.Single(rows);
            Assert.Equal(acknowledged[key], (row.Id, row.Amount));
        }

        var all = LedgerFile.Journal(db);
        var expected = all.Where(r => r.Kind is "allowance" or "grant").Sum(r => r.Amount) - all.Where(r => r.Kind == "expiry").Sum(r => r.Amount) - charges.Sum(r => r.Amount);
        Assert.Equal(expected, LedgerFile.Accounts(db)[User].Balance);
        using var ledger = TokenLedger.Open(new LedgerOptions { DatabasePath = db });
        var report = await ledger.VerifyAsync(cts.Token);
        Assert.True(report.Ok, string.Join("\n", report.Problems));

        output.WriteLine(
            $"{kills} kills; {arguments.Count} keyed charges, {charges.Count} in the journal; {stats.Retried.Count} retried after a kill: " +
            $"{stats.InDoubtCommitted} had committed before the kill (replayed), {stats.InDoubtLost} had not (applied on retry); anomalies: 0");
    }

    private sealed class CrashStats
    {
        public HashSet<string> Retried { get; } = new(StringComparer.Ordinal);

        public int InDoubtCommitted { get; private set; }

        public int InDoubtLost { get; private set; }

        public void Answered(string key, bool replayed)
        {
            if (!Retried.Contains(key))
            {
                return;
            }

            if (replayed)
            {
                InDoubtCommitted++;
            }
            else
            {
                InDoubtLost++;
            }
        }
    }
}
