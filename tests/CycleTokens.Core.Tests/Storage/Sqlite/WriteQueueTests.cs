using System.Collections.Concurrent;
using System.Diagnostics;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Storage.Sqlite;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Storage.Sqlite;

/// <summary>
/// The cross-process write queue. Each <see cref="WriteQueue"/> opens its own file description, so queues in one
/// test process contend exactly as separate processes do (open-file-description locks belong to the description).
/// The queue exists on Linux only, where these tests (and CI) run.
/// </summary>
[Trait("Backend", "Sqlite")]
public sealed class WriteQueueTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _folder = Directory.CreateTempSubdirectory("ct-queue-").FullName;

    private string Db => Path.Combine(_folder, "ledger.db");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Writers_GoInTheOrderTheyArrived_AndNoneWhileAnotherHoldsItsTurn()
    {
        using var first = Open();
        first.Enter();

        var order = new ConcurrentQueue<int>();
        var inside = 0;
        var overlaps = 0;
        var queues = Enumerable.Range(1, 4).Select(_ => Open()).ToArray();
        var threads = new List<Thread>();
        for (var i = 0; i < queues.Length; i++)
        {
            var n = i;
            var thread = new Thread(() =>
            {
                queues[n].Enter();
                if (Interlocked.Increment(ref inside) != 1)
                {
                    Interlocked.Increment(ref overlaps);
                }

                order.Enqueue(n);
                Thread.Sleep(20);
                Interlocked.Decrement(ref inside);
                queues[n].Exit();
            });
            thread.Start();
            threads.Add(thread);

            // The next writer arrives only once this one has drawn its ticket.
            WaitFor(() => Counter() == n + 2);
        }

        Thread.Sleep(50);
        Assert.Empty(order);
        first.Exit();
        foreach (var thread in threads)
        {
            Assert.True(thread.Join(Patience));
        }

        Assert.Equal([0, 1, 2, 3], order.ToArray());
        Assert.Equal(0, overlaps);
        foreach (var queue in queues)
        {
            queue.Dispose();
        }
    }

    [Fact]
    public void AWriterWhosePredecessorDied_GoesOnAtOnce()
    {
        var dead = Open();
        dead.Enter();
        using var next = Open();
        var entered = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            next.Enter();
            entered.Set();
        });
        thread.Start();
        WaitFor(() => Counter() == 2);
        Assert.False(entered.Wait(100));

        // Closing the description drops its locks, as the kernel does when a process is killed.
        dead.Dispose();
        Assert.True(entered.Wait(Patience));
        next.Exit();
    }

    [Fact]
    public void AWriterStuckBehindAHeldTurn_GoesOnAfterTheTimeout()
    {
        using var holder = Open();
        holder.Enter();
        using var waiter = Open(TimeSpan.FromMilliseconds(300));

        var watch = Stopwatch.StartNew();
        waiter.Enter();
        watch.Stop();
        waiter.Exit();

        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(300), Patience);
    }

    [Fact]
    public void TheSideFile_LivesBesideTheLedger_AndCountsTickets()
    {
        using var queue = Open();
        for (var i = 0; i < 5; i++)
        {
            queue.Enter();
            queue.Exit();
        }

        Assert.True(File.Exists(Db + "-queue"));
        Assert.Equal(5, Counter());
    }

    [Fact]
    public async Task LedgersOnOneFile_QueueTheirWrites_AndEveryChargeLands()
    {
        var path = Db;
        var ledgers = Enumerable.Range(0, 3).Select(_ => TokenLedger.Open(new LedgerOptions { DatabasePath = path, Synchronous = SynchronousMode.Normal })).ToArray();
        try
        {
            await Task.WhenAll(ledgers.Select((ledger, i) => Task.Run(async () =>
            {
                for (var n = 0; n < 40; n++)
                {
                    await ledger.ChargeAsync($"user-{i}", new ChargeRequest("marketplace.publish") { IdempotencyKey = $"k-{i}-{n}" });
                }
            })));

            var report = await ledgers[0].VerifyAsync();
            Assert.True(report.Ok, string.Join("\n", report.Problems));
            // A ticket per write: the 120 charges (each creates its user inside the first), and the schema set-up.
            Assert.True(Counter() >= 121, $"tickets drawn: {Counter()}");
        }
        finally
        {
            foreach (var ledger in ledgers)
            {
                ledger.Dispose();
            }
        }
    }

    [Fact]
    public async Task WriteLockStatistics_CountEveryWrite_AndAWaitBehindAnotherProcess()
    {
        using var holder = TokenLedger.Open(new LedgerOptions { DatabasePath = Db, Synchronous = SynchronousMode.Normal });
        using var waiter = TokenLedger.Open(new LedgerOptions { DatabasePath = Db, Synchronous = SynchronousMode.Normal });
        await holder.ChargeAsync("alice", new ChargeRequest("marketplace.publish"));
        var before = waiter.WriteLockStatistics;

        // Another "process" holds its turn for 300 ms; the waiter's one write waits that long for the lock.
        using (var turn = Open())
        {
            turn.Enter();
            var drawn = Counter();
            var charge = Task.Run(() => waiter.ChargeAsync("bob", new ChargeRequest("marketplace.publish")));
            WaitFor(() => Counter() == drawn + 1);
            Thread.Sleep(300);
            turn.Exit();
            await charge.WaitAsync(Patience);
        }

        var after = waiter.WriteLockStatistics;
        Assert.Equal(before.Writes + 1, after.Writes);
        Assert.True(after.WaitMax >= TimeSpan.FromMilliseconds(280), $"waited {after.WaitMax}");
        Assert.True(after.HeldMax > TimeSpan.Zero);
        Assert.True(holder.WriteLockStatistics.Writes >= 1);
    }

    [Fact]
    public async Task AWriterBehindAHungHolder_FailsAfterOneBusyTimeout_CountingItsTimeInTheQueue()
    {
        using var ids = new GatedIdGenerator();
        using var holder = TokenLedger.Open(new LedgerOptions { DatabasePath = Db, Synchronous = SynchronousMode.Normal }, TimeProvider.System, ids);
        using var waiter = TokenLedger.Open(new LedgerOptions { DatabasePath = Db, Synchronous = SynchronousMode.Normal, BusyTimeout = TimeSpan.FromSeconds(1) });
        await holder.GrantAsync("alice", 10);

        // The holder stops inside its write: it keeps its turn in the queue and SQLite's write lock.
        ids.HoldNext();
        var held = Task.Run(() => holder.ChargeAsync("alice", new ChargeRequest("marketplace.publish")));
        Assert.True(ids.Held.Wait(Patience));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => waiter.ChargeAsync("bob", new ChargeRequest("marketplace.publish")));
        watch.Stop();
        ids.Release();
        await held.WaitAsync(Patience);

        // One timeout in all (about 1 s), not one in the queue and then another in SQLite's busy handler (about 2 s).
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(1.8));
        Assert.Equal(0, RawDb.Scalar(Db, "SELECT COUNT(*) FROM accounts WHERE id = 'bob'"));
    }

    private static void WaitFor(Func<bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < Patience, "timed out waiting for the queue");
            Thread.Sleep(1);
        }
    }

    private WriteQueue Open(TimeSpan? timeout = null) =>
        WriteQueue.Open(Db, timeout ?? Patience) ?? throw new InvalidOperationException("no queue on this platform");

    private long Counter()
    {
        using var file = File.Open(Db + "-queue", FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var bytes = new byte[8];
        file.Position = 8;
        return file.Read(bytes) == 8 ? BitConverter.ToInt64(bytes) : 0;
    }
}
