using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using CycleTokens.Core.Tests.Support;
using CycleTokens.Core;
using CycleTokens.Mcp.Tests.Support;
using ModelContextProtocol.Protocol;
using Xunit.Abstractions;

namespace CycleTokens.Mcp.Tests.Reliability;

/// <summary>
/// Retry storms: 1,000 keyed charges, each sent three times at once — to three server processes sharing the file,
/// or three times to one server — with many keys in flight. Each key must be charged exactly once: one answer is new,
/// the other two are replays of it (same transaction, same amount), the journal holds one charge per key, and the
/// balance falls by exactly the sum of the charges.
/// </summary>
[Collection(ReliabilityGroup.Name)]
public sealed class RetryStormTests(ITestOutputHelper output)
{
    private const string User = "storm-user";
    private const long Granted = 10_000_000;
    private const int Copies = 3;
    private const int InFlight = 8;

    private static readonly string[] Operations = ["model.export.step", "analysis.weight", "ai.design_review", "cam.cnc_toolpath", "marketplace.publish", "custom.unknown_op"];

    private static int Keys => TestRuns.Long ? 10_000 : 1_000;

    [Fact]
    public async Task KeyedChargesSentThreeTimesToThreeProcesses_AreEachChargedOnce()
    {
        using var folder = new TempFolder();
        var db = folder.File("ledger.db");
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(TestRuns.Long ? 20 : 3));
        using (var setup = TokenLedger.Open(new LedgerOptions { DatabasePath = db }))
        {
            await setup.GrantAsync(User, Granted, cancellationToken: cts.Token);
        }

        var sessions = new List<ServerSession>();
        try
        {
            await ServerSession.StartAllAsync([.. Enumerable.Range(0, Copies).Select(i => ServerSession.StartAsync($"storm-{i}", ["--db", db, "--account", User], null, cts.Token))], sessions);
            await StormAsync(db, (copy, args) => sessions[copy].CallAsync("charge_for_operation", args, cts.Token), "3 processes");
        }
        finally
        {
            foreach (var session in sessions)
            {
                await session.DisposeAsync();
            }
        }

        await VerifyAsync(db, cts.Token);
    }

    [Fact]
    public async Task KeyedChargesSentThreeTimesToOneServer_AreEachChargedOnce()
    {
        await using var server = await McpTestServer.StartAsync(User);
        await server.Ledger.GrantAsync(User, Granted);
        await StormAsync(
            server.DatabasePath,
            (_, args) => server.Client.CallToolAsync(new CallToolRequestParams { Name = "charge_for_operation", Arguments = args.ToDictionary(p => p.Key, p => JsonSerializer.SerializeToElement(p.Value)) }).AsTask(),
            "1 in-memory server");
        var report = await server.Ledger.VerifyAsync();
        Assert.True(report.Ok, string.Join("\n", report.Problems));
    }

    private async Task StormAsync(string db, Func<int, JsonObject, Task<CallToolResult>> send, string target)
    {
        var random = new Random(TestRuns.Seed(20_260_402));
        var arguments = Enumerable.Range(0, Keys).Select(i => new JsonObject
        {
            ["operation"] = Operations[random.Next(Operations.Length)],
            ["params"] = new JsonObject { ["part"] = random.Next(5) },
            ["quantity"] = random.Next(4) == 0 ? 10 : 1,
            ["idempotency_key"] = $"storm-{i:D5}",
        }).ToList();
        var before = Balance(db);
        var answers = new (string Tx, long Charged, bool Replayed)[Keys, Copies];
        var next = -1;
        var watch = Stopwatch.StartNew();

        async Task WorkAsync()
        {
            for (var key = Interlocked.Increment(ref next); key < Keys; key = Interlocked.Increment(ref next))
            {
                var copies = Enumerable.Range(0, Copies).Select(copy => Task.Run(() => send(copy, (JsonObject)arguments[key].DeepClone()))).ToArray();
                var results = await Task.WhenAll(copies);
                for (var copy = 0; copy < Copies; copy++)
                {
                    Assert.True(results[copy].IsError is not true, $"{arguments[key]}: {McpTestServer.Text(results[copy])}");
                    var content = results[copy].StructuredContent!.Value;
                    answers[key, copy] = (content.GetProperty("transaction_id").GetString()!, content.GetProperty("charged").GetInt64(), content.GetProperty("replayed").GetBoolean());
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, InFlight).Select(_ => Task.Run(WorkAsync)));
        watch.Stop();

        var charges = LedgerFile.Journal(db).Where(r => r.Kind == "charge").ToDictionary(r => r.IdempotencyKey ?? r.Id, StringComparer.Ordinal);
        Assert.Equal(Keys, charges.Count);
        long total = 0;
        for (var key = 0; key < Keys; key++)
        {
            var copies = Enumerable.Range(0, Copies).Select(copy => answers[key, copy]).ToList();
            Assert.Single(copies, c => !c.Replayed);
            Assert.Single(copies.Select(c => (c.Tx, c.Charged)).Distinct());
            var row = charges[$"storm-{key:D5}"];
            Assert.Equal((copies[0].Tx, copies[0].Charged), (row.Id, row.Amount));
            total += row.Amount;
        }

        Assert.Equal(before - total, Balance(db));
        output.WriteLine($"{target}: {Keys} keys x {Copies} concurrent sends ({InFlight} keys in flight) in {watch.Elapsed.TotalSeconds:F1} s; {Keys} charges in the journal, {Keys * (Copies - 1)} replays, {total} tokens charged");
    }

    private static long Balance(string db) => LedgerFile.Accounts(db)[User].Balance;

    private static async Task VerifyAsync(string db, CancellationToken cancellationToken)
    {
        using var ledger = TokenLedger.Open(new LedgerOptions { DatabasePath = db });
        var report = await ledger.VerifyAsync(cancellationToken);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
    }
}
