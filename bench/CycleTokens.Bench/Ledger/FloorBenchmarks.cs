using System.Text.Json;
using BenchmarkDotNet.Attributes;
using CycleTokens.Core;
using CycleTokens.Core.Charges;

namespace CycleTokens.Bench.Ledger;

/// <summary>
/// Item 1: a charge through the engine against the storage floor (<see cref="FloorWriter"/>: the same rows, one
/// transaction, same pragmas), each on a new file, with <c>synchronous=FULL</c> (durable) and <c>NORMAL</c>.
/// </summary>
public class FloorBenchmarks
{
    private static readonly JsonElement Params = JsonDocument.Parse("""{"part":1,"units":"mm"}""").RootElement;
    private FloorWriter? _floor;
    private TokenLedger? _ledger;
    private string _file = string.Empty;

    [Params(SynchronousMode.Full, SynchronousMode.Normal)]
    public SynchronousMode Sync { get; set; }

    [GlobalSetup(Target = nameof(Floor))]
    public void SetupFloor()
    {
        _file = LedgerRun.NewFile($"floor-{Sync}.db");
        _floor = FloorWriter.Create(_file, Sync);
    }

    [GlobalSetup(Target = nameof(Charge))]
    public void SetupCharge()
    {
        _file = LedgerRun.NewFile($"charge-{Sync}.db");
        _ledger = LedgerRun.OpenNew(_file, Sync);
        LedgerRun.Run(_ledger.GrantAsync(Seed.User, 1_000_000_000_000));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _floor?.Dispose();
        _ledger?.Dispose();
        _floor = null;
        _ledger = null;
        LedgerRun.Delete(_file);
    }

    [Benchmark(Baseline = true, Description = "floor: the same rows, raw SQLite")]
    public void Floor() => _floor!.Write();

    [Benchmark(Description = "charge (engine)")]
    public ChargeResult Charge() =>
        LedgerRun.Run(_ledger!.ChargeAsync(Seed.User, new ChargeRequest("model.export.step") { Params = Params }));
}
