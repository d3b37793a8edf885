using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CycleTokens.Core;
using CycleTokens.Core.Charges;

namespace CycleTokens.Bench.Ledger;

/// <summary>
/// Item 1 once more, drift-proof: the floor and the charge alternate in blocks (a block of commits of one, then of the
/// other, for every round), each timed call by call, so a change in the machine's disk or load during the run touches
/// both alike. The ratio is of the medians.
/// </summary>
internal static class FloorRounds
{
    public static string Run(bool quick)
    {
        var (rounds, block) = quick ? (5, 100) : (20, 200);
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(inv, $"Item 1, interleaved: {rounds} rounds of {block} floor commits then {block} charges (after one unmeasured round), microseconds per call:");
        text.AppendLine();
        text.AppendLine("| synchronous | floor p50 | floor p90 | charge p50 | charge p90 | charge p50 / floor p50 | charges per second (1 / mean) |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        var parameters = JsonDocument.Parse("""{"part":1,"units":"mm"}""").RootElement;
        var request = new ChargeRequest("model.export.step") { Params = parameters };
        foreach (var sync in new[] { SynchronousMode.Full, SynchronousMode.Normal })
        {
            Console.Error.WriteLine($"interleaved floor and charge, {sync}");
            var floorFile = LedgerRun.NewFile($"rounds-floor-{sync}.db");
            var chargeFile = LedgerRun.NewFile($"rounds-charge-{sync}.db");
            using (var floor = FloorWriter.Create(floorFile, sync))
            using (var ledger = LedgerRun.OpenNew(chargeFile, sync))
            {
                LedgerRun.Run(ledger.GrantAsync(Seed.User, 1_000_000_000_000));
                var floorSamples = new List<double>();
                var chargeSamples = new List<double>();
                for (var r = -1; r < rounds; r++)
                {
                    Time(floor.Write, r < 0 ? null : floorSamples);
                    Time(() => ledger.ChargeAsync(Seed.User, request).GetAwaiter().GetResult(), r < 0 ? null : chargeSamples);
                }

                var f = Summary.Of(floorSamples);
                var c = Summary.Of(chargeSamples);
                text.AppendLine(inv, $"| {sync.ToString().ToUpperInvariant()} | {f.Median:0.0} | {f.P90:0.0} | {c.Median:0.0} | {c.P90:0.0} | {c.Median / f.Median:0.00} | {1e6 / c.Mean:N0} |");
            }

            LedgerRun.Delete(floorFile);
            LedgerRun.Delete(chargeFile);

            void Time(Action call, List<double>? samples)
            {
                for (var i = 0; i < block; i++)
                {
                    var start = Stopwatch.GetTimestamp();
                    call();
                    samples?.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                }
            }
        }

        text.AppendLine();
        return text.ToString();
    }
}
