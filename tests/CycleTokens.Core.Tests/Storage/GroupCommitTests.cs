using System.Diagnostics;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace CycleTokens.Core.Tests.Storage;

/// <summary>
/// Group commit: writes that queue behind a running write are run one by one, each under its own savepoint, and
/// committed together. A write is held inside its transaction (its id request waits) so a queue forms for certain.
/// </summary>
public sealed class GroupCommitTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _folder = Directory.CreateTempSubdirectory("ct-group-").FullName;
    private readonly GatedIdGenerator _ids = new();
    private readonly TokenLedger _ledger;
    private readonly List<string> _events = [];

    public GroupCommitTests()
    {
        _ledger = TokenLedger.Open(new LedgerOptions { DatabasePath = Path.Combine(_folder, "ledger.db") }, new FakeTimeProvider(TestLedger.Start), _ids);
        _ledger.EventRaised += (_, e) =>
        {
            lock (_events)
            {
                _events.Add(e.Name + ":" + e.Account);
            }
        };
    }

    private string Db => Path.Combine(_folder, "ledger.db");

    public void Dispose()
    {
        _ledger.Dispose();
        _ids.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task WritesQueuedBehindARunningWrite_AreCommittedTogether_EachAsIfAlone()
    {
        await _ledger.GrantAsync("alice", 10_000);
        var start = (await _ledger.GetBalanceAsync("alice")).Total;

        var held = await HoldAsync(() => _ledger.ChargeAsync("alice", new ChargeRequest("model.export.step")));
        var commits = _ledger.CommitCount;
        var queued = await QueueAsync(20, i => _ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { Params = TestLedger.Json($$"""{"part":{{i}}}""") }));
        _ids.Release();
        var results = await Task.WhenAll(queued.Prepend(held)).WaitAsync(Patience);

        // The held write's own commit, then one for the twenty queued behind it.
        Assert.Equal(commits + 2, _ledger.CommitCount);
        Assert.Equal(start - results.Sum(r => r.Charged), (await _ledger.GetBalanceAsync("alice")).Total);
        Assert.Equal(21, results.Select(r => r.BalanceAfter).Distinct().Count());
        Assert.Equal(21, results.Select(r => r.TransactionId).Distinct().Count());
        await AssertVerifiesAsync();
    }

    [Fact]
    public async Task InOneBatch_FailuresAreUndoneAlone_AndKeyedOutcomesAndReplaysHold()
    {
        await _ledger.GrantAsync("alice", 1_000);
        var held = await HoldAsync(() => _ledger.ChargeAsync("alice", new ChargeRequest("model.export.step")));
        var commits = _ledger.CommitCount;

        var ok = Queue(() => _ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { Params = TestLedger.Json("""{"a":1}""") }));
        var tooMuch = Queue(() => _ledger.SpendAsync("alice", 1_000_000, "model.export.step"));
        var keyedTooMuch = Queue(() => _ledger.SpendAsync("alice", 1_000_000, "model.export.step", idempotencyKey: "k-fail"));
        var keyed = Queue(() => _ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { IdempotencyKey = "k-ok" }));
        var keyedAgain = Queue(() => _ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { IdempotencyKey = "k-ok" }));
        var newcomerFails = Queue(() => _ledger.SpendAsync("newcomer", 1_000_000, "model.export.step"));
        var newcomerPays = Queue(() => _ledger.ChargeAsync("bob", new ChargeRequest("model.export.step")));
        await WaitForQueueAsync(7);
        _ids.Release();
        await held.WaitAsync(Patience);

        Assert.False((await ok.WaitAsync(Patience)).Replayed);
        Assert.Equal(LedgerErrorCode.InsufficientTokens, (await Assert.ThrowsAsync<LedgerException>(() => tooMuch)).Code);
        Assert.Equal(LedgerErrorCode.InsufficientTokens, (await Assert.ThrowsAsync<LedgerException>(() => keyedTooMuch)).Code);
        var pair = new[] { await keyed, await keyedAgain };
        Assert.Single(pair, r => !r.Replayed);
        Assert.Single(pair.Select(r => r.TransactionId).Distinct());
        Assert.Equal(LedgerErrorCode.InsufficientTokens, (await Assert.ThrowsAsync<LedgerException>(() => newcomerFails)).Code);
        Assert.False((await newcomerPays).Replayed);
        Assert.Equal(commits + 1 + 1, _ledger.CommitCount);

        // The keyed failure was stored with the batch; the unkeyed ones left nothing, not even the newcomer's account.
        var replay = await Assert.ThrowsAsync<LedgerException>(() => _ledger.SpendAsync("alice", 1_000_000, "model.export.step", idempotencyKey: "k-fail"));
        Assert.True(replay.Replayed);
        Assert.Equal(0, RawDb.Scalar(Db, "SELECT COUNT(*) FROM accounts WHERE id = 'newcomer'"));
        Assert.Equal(0, RawDb.Scalar(Db, "SELECT COUNT(*) FROM transactions WHERE kind = 'spend'"));
        Assert.Equal(1, RawDb.Scalar(Db, "SELECT COUNT(*) FROM accounts WHERE id = 'bob'"));
        Assert.Equal(1, RawDb.Scalar(Db, "SELECT COUNT(*) FROM idempotency WHERE key = 'k-ok'"));
        Assert.Equal(3, RawDb.Scalar(Db, "SELECT COUNT(*) FROM transactions WHERE kind = 'charge' AND account = 'alice'"));
        await AssertVerifiesAsync();
    }

    [Fact]
    public async Task AnUnexpectedFailureInABatch_FailsEveryWriteOfIt_AndCommitsNothing()
    {
        await _ledger.GrantAsync("alice", 1_000);
        var journal = RawDb.Scalar(Db, "SELECT COUNT(*) FROM transactions");
        var held = await HoldAsync(() => _ledger.ChargeAsync("alice", new ChargeRequest("model.export.step")));
        var queued = await QueueAsync(5, i => _ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { Params = TestLedger.Json($$"""{"part":{{i}}}""") }));

        // The held write's id is the first request after the release; the batch's third write fails.
        _ids.FailRequest(4);
        _ids.Release();
        await held.WaitAsync(Patience);

        foreach (var write in queued)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => write.WaitAsync(Patience));
        }

        Assert.Equal(journal + 1, RawDb.Scalar(Db, "SELECT COUNT(*) FROM transactions"));
        Assert.Equal(990 + 1_000, (await _ledger.ChargeAsync("alice", new ChargeRequest("marketplace.publish"))).BalanceAfter);
        await AssertVerifiesAsync();
    }

    [Fact]
    public async Task AQueuedWriteCancelledBeforeItsBatch_IsWithdrawn_AndTheOthersRun()
    {
        await _ledger.GrantAsync("alice", 1_000);
        var held = await HoldAsync(() => _ledger.ChargeAsync("alice", new ChargeRequest("model.export.step")));
        using var cancel = new CancellationTokenSource();
        var first = Queue(() => _ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { IdempotencyKey = "first" }));
        await WaitForQueueAsync(1);
        var withdrawn = Queue(() => _ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { IdempotencyKey = "withdrawn" }, cancel.Token));
        await WaitForQueueAsync(2);
        var last = Queue(() => _ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { IdempotencyKey = "last" }));
        await WaitForQueueAsync(3);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => withdrawn.WaitAsync(Patience));
        Assert.Equal(2, _ledger.QueuedWrites);
        _ids.Release();
        await Task.WhenAll(held, first, last).WaitAsync(Patience);

        Assert.Equal(0, RawDb.Scalar(Db, "SELECT COUNT(*) FROM idempotency WHERE key = 'withdrawn'"));
        Assert.Equal(2, RawDb.Scalar(Db, "SELECT COUNT(*) FROM idempotency WHERE key IN ('first', 'last')"));
        await AssertVerifiesAsync();
    }

    [Fact]
    public async Task EachWriteOfABatch_RaisesItsOwnEvents_AndFailuresRaiseNone()
    {
        await _ledger.GrantAsync("alice", 1_000);
        var held = await HoldAsync(() => _ledger.ChargeAsync("alice", new ChargeRequest("model.export.step")));
        lock (_events)
        {
            _events.Clear();
        }

        var charges = await QueueAsync(6, i => _ledger.ChargeAsync("alice", new ChargeRequest("marketplace.publish") { Params = TestLedger.Json($$"""{"n":{{i}}}""") }));
        var failing = Queue(() => _ledger.SpendAsync("alice", 1_000_000, "model.export.step"));
        await WaitForQueueAsync(7);
        _ids.Release();
        await Task.WhenAll(charges.Prepend(held)).WaitAsync(Patience);
        await Assert.ThrowsAsync<LedgerException>(() => failing);

        // One event per successful charge: the held one's and the six queued ones'.
        lock (_events)
        {
            Assert.Equal(7, _events.Count(e => e == "token-spent:alice"));
            Assert.DoesNotContain(_events, e => e.StartsWith("token-spent:", StringComparison.Ordinal) && e != "token-spent:alice");
        }
    }

    /// <summary>Starts a write and waits until it is held inside its transaction.</summary>
    private async Task<Task<T>> HoldAsync<T>(Func<Task<T>> write)
    {
        _ids.HoldNext();
        var task = Task.Run(write);
        Assert.True(_ids.Held.Wait(Patience), "the write never reached its id request");
        await Task.Yield();
        return task;
    }

    private static Task<T> Queue<T>(Func<Task<T>> write) => Task.Run(write);

    private async Task<Task<T>[]> QueueAsync<T>(int count, Func<int, Task<T>> write)
    {
        var tasks = Enumerable.Range(0, count).Select(i => Task.Run(() => write(i))).ToArray();
        await WaitForQueueAsync(count);
        return tasks;
    }

    private async Task WaitForQueueAsync(int count)
    {
        var watch = Stopwatch.StartNew();
        while (_ledger.QueuedWrites < count)
        {
            Assert.True(watch.Elapsed < Patience, $"only {_ledger.QueuedWrites} of {count} writes queued");
            await Task.Delay(1);
        }
    }

    private async Task AssertVerifiesAsync()
    {
        var report = await _ledger.VerifyAsync();
        Assert.True(report.Ok, string.Join("\n", report.Problems));
    }
}
