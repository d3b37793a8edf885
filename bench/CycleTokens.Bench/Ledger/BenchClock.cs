namespace CycleTokens.Bench.Ledger;

/// <summary>
/// The engine's clock in the in-process benchmarks: starts at a fixed instant and moves one millisecond on every
/// reading, so seeded ledgers and measured calls all fall in one calendar month (March 2026) and runs repeat exactly.
/// </summary>
internal sealed class BenchClock(DateTimeOffset start) : TimeProvider
{
    public static readonly DateTimeOffset MonthStart = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Add(ref _ticks, TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
}
