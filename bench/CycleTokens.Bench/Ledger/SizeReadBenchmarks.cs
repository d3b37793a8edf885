using System.Text.Json;
using BenchmarkDotNet.Attributes;
using CycleTokens.Core;
using CycleTokens.Core.Accounts;
using CycleTokens.Core.History;
using CycleTokens.Core.Pricing;

namespace CycleTokens.Bench.Ledger;

/// <summary>Item 2, reads: each call on a ledger of <see cref="Size"/> transactions, all of them the measured user's.</summary>
public class SizeReadBenchmarks
{
    private static readonly JsonElement Params = JsonDocument.Parse("""{"part":1,"units":"mm"}""").RootElement;
    private static readonly HistoryQuery Page = new() { Limit = 50 };
    private static readonly HistoryQuery FilteredPage = new() { Limit = 50, Operation = Seed.RareOperation };
    private TokenLedger? _ledger;

    public static IEnumerable<int> SizeValues => LedgerRun.Sizes;

    [ParamsSource(nameof(SizeValues))]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup() => _ledger = Seed.Open(LedgerRun.ReadCopy(Size));

    [GlobalCleanup]
    public void Cleanup() => _ledger?.Dispose();

    [Benchmark(Description = "estimate")]
    public PriceQuote Estimate() => LedgerRun.Run(_ledger!.EstimateAsync(Seed.User, "model.export.step", Params));

    [Benchmark(Description = "balance")]
    public Balance Balance() => LedgerRun.Run(_ledger!.GetBalanceAsync(Seed.User));

    [Benchmark(Description = "history (50)")]
    public HistoryPage History() => LedgerRun.Run(_ledger!.GetHistoryAsync(Seed.User, Page));

    [Benchmark(Description = "history (50) filtered by operation")]
    public HistoryPage HistoryFiltered() => LedgerRun.Run(_ledger!.GetHistoryAsync(Seed.User, FilteredPage));

    [Benchmark(Description = "month usage")]
    public UsageReport MonthUsage() => LedgerRun.Run(_ledger!.GetUsageAsync(Seed.User));
}
