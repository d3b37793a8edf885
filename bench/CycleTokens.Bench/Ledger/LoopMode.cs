using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using CycleTokens.Core;
using CycleTokens.Core.Charges;

namespace CycleTokens.Bench.Ledger;

/// <summary>
/// <c>loop</c>: one call in a plain loop on a new file, for a profiler to watch
/// (<c>dotnet-trace collect -- dotnet cycletokens-bench.dll loop --call charge</c>). Prints the mean time per call.
/// </summary>
internal static class LoopMode
{
    private static readonly Option<string> Call = new("--call") { Description = "charge, floor or estimate.", DefaultValueFactory = _ => "charge" };
    private static readonly Option<int> Count = new("--count") { DefaultValueFactory = _ => 50_000 };
    private static readonly Option<string> Sync = new("--sync") { DefaultValueFactory = _ => "normal" };
    private static readonly Option<int> Callers = new("--callers") { Description = "Concurrent callers sharing the count (charge only).", DefaultValueFactory = _ => 1 };

    public static Command Create()
    {
        var command = new Command("loop", "One call in a plain loop on a new file, to run under a profiler.");
        command.Options.Add(Call);
        command.Options.Add(Count);
        command.Options.Add(Sync);
        command.Options.Add(Callers);
        command.SetAction(r =>
        {
            if (r.GetValue(Callers) > 1)
            {
                RunConcurrent(r.GetValue(Count), r.GetValue(Callers), Share.ShareMode.ParseSync(r.GetValue(Sync)!));
                return 0;
            }

            Run(r.GetValue(Call)!, r.GetValue(Count), Share.ShareMode.ParseSync(r.GetValue(Sync)!));
            return 0;
        });
        return command;
    }

    /// <summary>Charges from several concurrent callers on one ledger (writes that queue are committed together).</summary>
    private static void RunConcurrent(int count, int callers, SynchronousMode sync)
    {
        LedgerRun.Scratch = Directory.CreateTempSubdirectory("cycletokens-loop-").FullName;
        try
        {
            var perSecond = ConcurrentCharges.Measure(count, callers, sync);
            Console.Out.WriteLine($"charge ({sync}, {callers} callers): {perSecond:N0} charges/s, {1e6 / perSecond:0.0} us per charge");
        }
        finally
        {
            Directory.Delete(LedgerRun.Scratch, recursive: true);
        }
    }

    private static void Run(string call, int count, SynchronousMode sync)
    {
        var folder = Directory.CreateTempSubdirectory("cycletokens-loop-");
        try
        {
            var path = Path.Combine(folder.FullName, "loop.db");
            Action once;
            IDisposable owner;
            if (call == "floor")
            {
                var floor = FloorWriter.Create(path, sync);
                (once, owner) = (floor.Write, floor);
            }
            else
            {
                var ledger = LedgerRun.OpenNew(path, sync);
                ledger.GrantAsync(Seed.User, 1_000_000_000_000).GetAwaiter().GetResult();
                var parameters = JsonDocument.Parse("""{"part":1,"units":"mm"}""").RootElement;
                var request = new ChargeRequest("model.export.step") { Params = parameters };
                once = call == "estimate"
                    ? () => ledger.EstimateAsync(Seed.User, "model.export.step", parameters).GetAwaiter().GetResult()
                    : () => ledger.ChargeAsync(Seed.User, request).GetAwaiter().GetResult();
                owner = ledger;
            }

            using (owner)
            {
                for (var i = 0; i < Math.Min(count, 2_000); i++)
                {
                    once();
                }

                var clock = Stopwatch.StartNew();
                for (var i = 0; i < count; i++)
                {
                    once();
                }

                Console.Out.WriteLine($"{call} ({sync}): {clock.Elapsed.TotalMicroseconds / count:0.0} us per call over {count:N0}");
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
