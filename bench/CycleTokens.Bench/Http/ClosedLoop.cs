using System.Diagnostics;
using System.Globalization;

namespace CycleTokens.Bench.Http;

/// <summary>
/// N workers, each sending one call, awaiting it, then sending the next. Warmed once, then measured in slices, so that
/// several loops can take turns (interleaved) and a drift of the machine touches them alike; every call is timed and
/// the slices add up to one result.
/// </summary>
/// <param name="workers">Concurrent callers.</param>
/// <param name="call">One call of worker <c>w</c>; <c>seq</c> runs on across warm-up and slices, never repeats for a worker.</param>
/// <param name="server">The server process, whose CPU time is read; null in process.</param>
internal sealed class ClosedLoop(int workers, Func<int, long, CancellationToken, Task> call, int? server)
{
    private readonly long[] _next = new long[workers];
    private readonly List<double>[] _samples = [.. Enumerable.Range(0, workers).Select(_ => new List<double>())];
    private readonly List<double> _loads = [];
    private double _seconds;
    private TimeSpan _clientCpu;
    private TimeSpan _serverCpu;

    /// <summary>Unmeasured calls for <paramref name="duration"/> (JIT tiering, connection pools, SQLite caches).</summary>
    public Task WarmAsync(TimeSpan duration, CancellationToken cancellationToken) => RunAsync(duration, int.MaxValue, measured: false, cancellationToken);

    /// <summary>One measured slice: until <paramref name="duration"/> has passed or each worker has made <paramref name="maxPerWorker"/> calls.</summary>
    public async Task MeasureAsync(TimeSpan duration, int maxPerWorker, CancellationToken cancellationToken)
    {
        _loads.Add(double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture));
        using var self = Process.GetCurrentProcess();
        var clientBefore = self.TotalProcessorTime;
        var serverBefore = server is { } pid ? ProcStats.CpuTime(pid) : TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        await RunAsync(duration, maxPerWorker, measured: true, cancellationToken);
        _seconds += clock.Elapsed.TotalSeconds;
        self.Refresh();
        _clientCpu += self.TotalProcessorTime - clientBefore;
        _serverCpu += (server is { } after ? ProcStats.CpuTime(after) : TimeSpan.Zero) - serverBefore;
    }

    /// <summary>The slices so far as one result.</summary>
    public LoadResult Result()
    {
        var calls = _samples.Sum(s => (long)s.Count);
        return new LoadResult(
            calls,
            _seconds,
            Summary.Of([.. _samples.SelectMany(s => s)]),
            server is null ? double.NaN : _serverCpu.TotalMicroseconds / calls,
            _clientCpu.TotalMicroseconds / calls,
            _loads.Min(),
            _loads.Max());
    }

    private async Task RunAsync(TimeSpan duration, int maxPerWorker, bool measured, CancellationToken cancellationToken)
    {
        // Bounded whatever happens: the slice and a minute of grace for the slowest call.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(duration + TimeSpan.FromMinutes(1));
        var token = deadline.Token;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(
            async () =>
            {
                var mine = _samples[w];
                for (var n = 0; n < maxPerWorker && clock.Elapsed < duration; n++)
                {
                    var start = Stopwatch.GetTimestamp();
                    await call(w, _next[w]++, token);
                    if (measured)
                    {
                        mine.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                    }
                }
            },
            token)));
    }
}
