using System.Diagnostics;
using System.Threading.Channels;
using CycleTokens.Core;
using CycleTokens.Core.Tests.Support;
using CycleTokens.Mcp.Tests.Support;
using ModelContextProtocol.Protocol;
using Npgsql;
using Xunit.Abstractions;

namespace CycleTokens.Mcp.Tests.Reliability;

/// <summary>
/// Issue 13 items 3 and 6 with real processes: three <c>cycletokens serve --http</c> hosts on one PostgreSQL ledger
/// (a cluster of the test's own), API keys made with the CLI, clients sending keyed charges, spends and escrows to every
/// host — on one shared account and on one account per host, the same key now and then to two hosts at once.
/// First as is, then with the database stopped and started again under that load, then with a host killed. Calls
/// during the outage are told to retry (as tool errors, never a crash), the hosts recover by themselves, retries with
/// the same key apply once, and after each part every key is in the journal once, every balance is what the answers
/// imply, nothing is overdrawn and <c>cycletokens verify</c> is clean.
/// </summary>
/// <remarks>One deployment for the three parts: starting hosts is most of the cost on two cores.</remarks>
[Collection(ReliabilityGroup.Name)]
public sealed class PostgresHostsTests(ITestOutputHelper output) : IDisposable
{
    private const string Shared = "shared";
    private static readonly string[] Accounts = [Shared, "own-0", "own-1", "own-2"];

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(3));
    private readonly List<KeyedLoad> _loads = [];

    private CancellationToken Token => _timeout.Token;

    [PostgresFact]
    public async Task ThreeHostsOnOneDatabase_UnderKeyedLoad_ThroughARestartAndAKilledHost_ApplyEveryKeyOnce()
    {
        var watch = Stopwatch.StartNew();
        await using var cluster = await PostgresCluster.StartAsync(Token);
        var db = await cluster.CreateDatabaseAsync(Token);
        await using var hosts = await LedgerHosts.StartAsync(db.Uri, 3, Accounts);
        var random = new Random(TestRuns.Seed(20_260_414));
        await FundAsync(db.Uri);
        output.WriteLine($"cluster, 3 hosts, {Accounts.Length} keys: {watch.Elapsed.TotalSeconds:F1} s");

        watch.Restart();
        await ConcurrencyAsync(db, hosts, random);
        output.WriteLine($"concurrency: {watch.Elapsed.TotalSeconds:F1} s");
        watch.Restart();
        await RestartAsync(cluster, db, hosts, random);
        output.WriteLine($"restart: {watch.Elapsed.TotalSeconds:F1} s");
        watch.Restart();
        await KillAsync(db, hosts, random);
        output.WriteLine($"kill: {watch.Elapsed.TotalSeconds:F1} s");
    }

    public void Dispose() => _timeout.Dispose();

    /// <summary>Six senders on three hosts, two accounts each; the shared account cannot pay for all they ask.</summary>
    private async Task ConcurrencyAsync(TestPostgresDatabase db, LedgerHosts hosts, Random random)
    {
        var load = NewLoad(hosts, "k");
        await Senders(load, hosts.All.Count, 20, random);

        Assert.True(load.Anomalies.Count == 0, "concurrency:\n" + string.Join("\n", load.Anomalies));
        Assert.Empty(load.Refusals);
        var answers = load.Calls.Select(c => (Call: c, Answers: load.Outcomes(c.Key))).ToList();
        // The load did what it is for: overdraft attempts refused, and keys sent to two hosts at once answered by both.
        Assert.Contains(answers, a => a.Call.Account == Shared && a.Answers[0].Error?.StartsWith("Insufficient tokens", StringComparison.Ordinal) == true);
        var twice = answers.Where(a => a.Answers.Select(o => o.Host).Distinct().Count() == 2).ToList();
        Assert.NotEmpty(twice);
        Assert.All(twice, a => Assert.Single(a.Answers, o => !o.Replayed));
        output.WriteLine($"concurrency: {answers.Count} keyed calls, {answers.Count(a => !a.Answers[0].Ok)} refused for want of tokens or an escrow no longer held, {twice.Count} keys sent to two hosts at once");
        await AssertLedgerAsync(db, hosts, "concurrency");
    }

    /// <summary>The database stops (every connection killed at once) with calls in flight, stays down a moment, comes back.</summary>
    private async Task RestartAsync(PostgresCluster cluster, TestPostgresDatabase db, LedgerHosts hosts, Random random)
    {
        await GrantAsync(db.Uri, Shared, 2000);

        // Someone watches the shared balance on host-0: what other hosts change is pushed by host-0's balance watcher.
        var updates = Channel.CreateUnbounded<string>();
        var watcher = hosts.All[0].Client(Shared);
        await using var registration = watcher.RegisterNotificationHandler(NotificationMethods.ResourceUpdatedNotification, (n, _) =>
        {
            updates.Writer.TryWrite(n.Params?["uri"]?.GetValue<string>() ?? string.Empty);
            return ValueTask.CompletedTask;
        });
        await watcher.SubscribeToResourceAsync("tokens://balance", cancellationToken: Token);

        var load = NewLoad(hosts, "r");
        var senders = Senders(load, hosts.All.Count, 25, random);
        await UntilAsync(() => load.Answered >= 20, () => "the load to get going");
        var down = Stopwatch.GetTimestamp();
        await cluster.StopAsync(Token);
        await UntilAsync(
            () => hosts.All.All(h => load.Refusals.Any(r => r.Host == h.Name && r.Sent > down)),
            () => "every host to refuse a call while the database is down; refusals: " + string.Join("; ", load.Refusals.Select(r => r.Host + " " + r.Reason)));
        // Host-0's balance watcher polls once a second: the outage lasts until it has met it too (and logged so).
        await UntilAsync(
            () => hosts.All[0].Server.Process.StderrLines.Any(l => l.Contains("balance watcher", StringComparison.Ordinal)),
            () => "host-0's balance watcher to find the database down");
        await cluster.StartAgainAsync(Token);
        var up = Stopwatch.GetTimestamp();
        await senders;

        Assert.True(load.Anomalies.Count == 0, "restart:\n" + string.Join("\n", load.Anomalies));
        // During the outage every call was told to retry, in the one message for it; once the database was back, none was.
        Assert.All(load.Refusals, r => Assert.Contains(r.Reason, KeyedLoad.RetryMessages));
        Assert.DoesNotContain(load.Refusals, r => r.Sent > up);
        output.WriteLine($"restart: {load.Calls.Count} keyed calls; {load.Refusals.Count} told to retry during the outage ({load.Refusals.Count(r => r.Reason == LedgerUnavailableException.OutcomeUnknownMessage)} with the outcome unknown), each retried with its key until answered");

        // Every host serves again by itself, and host-0's watcher, which polled through the outage, still pushes updates.
        while (updates.Reader.TryRead(out _))
        {
        }

        for (var h = 1; h < hosts.All.Count; h++)
        {
            var charge = await load.RunAsync(load.Charge(Shared, random), h, Token);
            Assert.Equal((hosts.All[h].Name, true), (charge.Host, charge.Ok));
        }

        Assert.Equal("tokens://balance", await updates.Reader.ReadAsync(Token).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Token));
        Assert.Equal(hosts.All[0].Name, (await load.RunAsync(load.Charge(Shared, random), 0, Token)).Host);
        await AssertLedgerAsync(db, hosts, "restart");
    }

    /// <summary>
    /// A host is killed (SIGKILL) with calls in flight: another writer holds the accounts table a moment, so every call
    /// waits inside its host — one holding the ledger's write lock (perhaps the victim's), the others queued for it.
    /// </summary>
    private async Task KillAsync(TestPostgresDatabase db, LedgerHosts hosts, Random random)
    {
        var load = NewLoad(hosts, "x");
        var senders = Senders(load, hosts.All.Count, 15, random);
        await UntilAsync(() => load.Answered >= 15, () => "the load to get going");
        var victim = hosts.All[2];
        await using (var holder = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(db.ConnectionString) { Pooling = false }.ConnectionString))
        {
            await holder.OpenAsync(Token);
            await using var begin = new NpgsqlCommand("BEGIN; LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE", holder);
            await begin.ExecuteNonQueryAsync(Token);
            await UntilAsync(() => load.InFlight(victim) > 0, () => $"{victim.Name} to have a call waiting; in flight: {string.Join(", ", hosts.All.Select(h => $"{h.Name} {load.InFlight(h)}"))}, {load.Answered} answered");
            victim.Kill();
            await using var rollback = new NpgsqlCommand("ROLLBACK", holder);
            await rollback.ExecuteNonQueryAsync(Token);
        }

        await senders;

        Assert.True(load.Anomalies.Count == 0, "kill:\n" + string.Join("\n", load.Anomalies));
        // Only the killed host dropped calls (each retried on another host with its key); the others answered every one.
        Assert.Contains(load.Refusals, r => r.Host == victim.Name);
        Assert.All(load.Refusals, r => Assert.Equal(victim.Name, r.Host));
        output.WriteLine($"kill: {load.Calls.Count} keyed calls; {load.Refusals.Count} dropped by the killed host and retried elsewhere");
        await AssertLedgerAsync(db, hosts, "kill");
    }

    private KeyedLoad NewLoad(LedgerHosts hosts, string prefix)
    {
        var load = new KeyedLoad(hosts, prefix);
        _loads.Add(load);
        return load;
    }

    /// <summary>Two senders per host: one on the shared account, one on the host's own.</summary>
    private Task Senders(KeyedLoad load, int hosts, int calls, Random random) =>
        Task.WhenAll(Enumerable.Range(0, hosts).SelectMany(h => new[]
        {
            Task.Run(() => load.SendAsync(h, Shared, calls, new Random(random.Next()), Token), Token),
            Task.Run(() => load.SendAsync(h, Accounts[h + 1], calls, new Random(random.Next()), Token), Token),
        }));

    /// <summary>Every load so far against the ledger, <c>cycletokens verify</c>, and the hosts' logs.</summary>
    private async Task AssertLedgerAsync(TestPostgresDatabase db, LedgerHosts hosts, string part)
    {
        var problems = await KeyedLoadAudit.ProblemsAsync(db, _loads, Token);
        Assert.True(problems.Count == 0, $"{part}: the ledger against the answers:\n" + string.Join("\n", problems));
        var report = await hosts.VerifyAsync();
        Assert.True(report["ok"]!.GetValue<bool>(), $"{part}: {report.ToJsonString()}");
        Assert.Empty(hosts.ErrorLines());
        output.WriteLine($"{part}: verify {report["transactions"]} transactions, postings sum {report["postings_sum"]}; audit: 0 problems");
    }

    /// <summary>The hosts' own accounts get plenty; the shared one keeps 300 of its allowance, less than the load asks.</summary>
    private async Task FundAsync(string db)
    {
        using var ledger = TokenLedger.Open(new LedgerOptions { DatabasePath = db });
        foreach (var account in Accounts.Skip(1))
        {
            await ledger.GrantAsync(account, 20_000, cancellationToken: Token);
        }

        await ledger.SpendAsync(Shared, 700, "setup", cancellationToken: Token);
    }

    private async Task GrantAsync(string db, string account, long amount)
    {
        using var ledger = TokenLedger.Open(new LedgerOptions { DatabasePath = db });
        await ledger.GrantAsync(account, amount, cancellationToken: Token);
    }

    private async Task UntilAsync(Func<bool> condition, Func<string> what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), "timed out waiting for " + what());
            await Task.Delay(20, Token);
        }
    }
}
