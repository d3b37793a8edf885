using BenchmarkDotNet.Attributes;
using CycleTokens.Core;
using CycleTokens.Core.Charges;

namespace CycleTokens.Bench.Ledger;

/// <summary>
/// Item 2, the write: a charge on a ledger of <see cref="Size"/> transactions. Charges grow the ledger, so before an
/// iteration that would take it more than 10% past its size the seed is copied afresh (not timed).
/// </summary>
public class SizeChargeBenchmarks
{
    private TokenLedger? _ledger;
    private string _file = string.Empty;
    private long _added;
    private long _next;

    public static IEnumerable<int> SizeValues => LedgerRun.Sizes;

    /// <summary>Charges per iteration (the job's invocation count).</summary>
    public static int PerIteration { get; set; } = 100;

    [ParamsSource(nameof(SizeValues))]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup() => Restore();

    [IterationSetup]
    public void BeforeIteration()
    {
        if (_added + PerIteration > Size / 10)
        {
            Restore();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ledger?.Dispose();
        LedgerRun.Delete(_file);
    }

    [Benchmark(Description = "charge")]
    public ChargeResult Charge()
    {
        _added++;
        return LedgerRun.Run(_ledger!.ChargeAsync(Seed.User, Seed.Charge(_next++)));
    }

    private void Restore()
    {
        _ledger?.Dispose();
        _file = LedgerRun.WriteCopy(Size);
        _ledger = Seed.Open(_file);
        _added = 0;
        _next = Size;
    }
}
