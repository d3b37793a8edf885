using System.Diagnostics;

namespace CycleTokens.Bench.Http;

/// <summary>
/// N workers, each sending one call, awaiting it, then sending the next: a warm-up for a fixed time, then a measured
/// phase that ends at a time limit or a count per worker, whichever comes first. Every call is timed.
/// </summary>
internal static class ClosedLoop
{
    /// <param name="workers">Concurrent callers.</param>
    /// <param name="call">One call of worker <c>w</c>; <c>seq</c> runs on across warm-up and measurement, never repeats for a worker.</param>
    /// <param name="warmup">Unmeasured time first (JIT tiering, connection pools, SQLite caches).</param>
    /// <param name="duration">The measured phase's time limit.</param>
    /// <param name="maxPerWorker">The measured phase's count limit per worker.</param>
    /// <param name="serverCpu">Reads the server process's CPU time; null in process.</param>
    /// <param name="cancellationToken">Stops the run (a hung call fails it after the deadline).</param>
    public static async Task<LoadResult> RunAsync(
        int workers,
        Func<int, long, CancellationToken, Task> call,
        TimeSpan warmup,
        TimeSpan duration,
        int maxPerWorker,
        Func<TimeSpan>? serverCpu,
        CancellationToken cancellationToken)
    {
        // Bounded whatever happens: warm-up, measurement and a minute of grace for the slowest call.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(warmup + duration + TimeSpan.FromMinutes(1));
        var token = deadline.Token;
        var next = new long[workers];

        var warm = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(
            async () =>
            {
                while (warm.Elapsed < warmup)
                {
                    await call(w, next[w]++, token);
                }
            },
            token)));

        var samples = Enumerable.Range(0, workers).Select(_ => new List<double>(Math.Min(maxPerWorker, 100_000))).ToArray();
        var self = Process.GetCurrentProcess();
        self.Refresh();
        var clientCpu = self.TotalProcessorTime;
        var serverCpuBefore = serverCpu?.Invoke() ?? TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(
            async () =>
            {
                var mine = samples[w];
                while (mine.Count < maxPerWorker && clock.Elapsed < duration)
                {
                    var start = Stopwatch.GetTimestamp();
                    await call(w, next[w]++, token);
                    mine.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                }
            },
            token)));
        var seconds = clock.Elapsed.TotalSeconds;
        self.Refresh();
        var calls = samples.Sum(s => (long)s.Count);
        var clientPerCall = (self.TotalProcessorTime - clientCpu).TotalMicroseconds / calls;
        var serverPerCall = serverCpu is null ? double.NaN : (serverCpu() - serverCpuBefore).TotalMicroseconds / calls;
        return new LoadResult(calls, seconds, Summary.Of([.. samples.SelectMany(s => s)]), serverPerCall, clientPerCall);
    }
}
