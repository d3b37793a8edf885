using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CycleTokens.Core;
using CycleTokens.Core.Charges;

namespace CycleTokens.Bench.Ledger;

/// <summary>
/// Item 1, throughput: charges per second on one ledger from 1, 4, 16 and 64 concurrent callers. Writes that queue
/// behind a running one are committed together (group commit), so the commit's cost is shared by the batch.
/// </summary>
internal static class ConcurrentCharges
{
    private static readonly int[] CallerCounts = [1, 4, 16, 64];

    public static string Run(bool quick)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("Item 1, throughput: charges per second on one ledger with concurrent callers (each awaits its charge, then sends the next):");
        text.AppendLine();
        text.AppendLine("| synchronous | " + string.Join(" | ", CallerCounts.Select(c => c == 1 ? "1 caller" : $"{c} callers")) + " |");
        text.AppendLine("|---|" + string.Concat(CallerCounts.Select(_ => "---:|")));
        foreach (var sync in new[] { SynchronousMode.Full, SynchronousMode.Normal })
        {
            var count = (sync == SynchronousMode.Full ? 16_000 : 64_000) / (quick ? 4 : 1);
            var cells = CallerCounts.Select(callers =>
            {
                Console.Error.WriteLine($"concurrent charges, {sync}, {callers} callers");
                return Measure(count, callers, sync).ToString("N0", inv);
            });
            text.AppendLine(inv, $"| {sync.ToString().ToUpperInvariant()} | {string.Join(" | ", cells)} |");
        }

        text.AppendLine();
        return text.ToString();
    }

    /// <summary>Charges per second of <paramref name="count"/> charges shared by <paramref name="callers"/> callers, on a new file.</summary>
    public static double Measure(int count, int callers, SynchronousMode sync)
    {
        var file = LedgerRun.NewFile($"concurrent-{sync}-{callers}.db");
        try
        {
            using var ledger = LedgerRun.OpenNew(file, sync);
            ledger.GrantAsync(Seed.User, 1_000_000_000_000).GetAwaiter().GetResult();
            var request = new ChargeRequest("model.export.step") { Params = JsonDocument.Parse("""{"part":1,"units":"mm"}""").RootElement };
            void Round(int perCaller) => Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
            {
                for (var i = 0; i < perCaller; i++)
                {
                    await ledger.ChargeAsync(Seed.User, request);
                }
            }))).GetAwaiter().GetResult();

            // Warm up for 2 s, so the JIT's tiering has settled before the clock starts.
            var warm = Stopwatch.StartNew();
            while (warm.Elapsed < TimeSpan.FromSeconds(2))
            {
                Round(Math.Max(1, 2_000 / callers));
            }

            var perCaller = count / callers;
            var clock = Stopwatch.StartNew();
            Round(perCaller);
            return perCaller * callers / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            LedgerRun.Delete(file);
        }
    }
}
