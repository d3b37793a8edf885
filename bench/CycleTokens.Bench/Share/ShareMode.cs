using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using CycleTokens.Core;

namespace CycleTokens.Bench.Share;

/// <summary>
/// <c>share</c> (item 5): 1, 2, 4 ... processes charging on one ledger file at once, each its own account, for a fixed
/// time after a common start signal. Reports the total throughput and the latency percentiles of all their charges.
/// </summary>
internal static class ShareMode
{
    private static readonly Option<string> Processes = new("--processes") { DefaultValueFactory = _ => "1,2,4" };
    private static readonly Option<double> Seconds = new("--seconds") { DefaultValueFactory = _ => 5 };
    private static readonly Option<string> Sync = new("--sync") { Description = "full, normal, or both.", DefaultValueFactory = _ => "both" };

    public static Command Create()
    {
        var command = new Command("share", "Item 5: throughput and p99 with several processes charging on one file.");
        command.Options.Add(Processes);
        command.Options.Add(Seconds);
        command.Options.Add(Sync);
        command.SetAction(async (r, ct) =>
        {
            var counts = r.GetValue(Processes)!.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
            var syncs = r.GetValue(Sync) == "both" ? new[] { SynchronousMode.Full, SynchronousMode.Normal } : [ParseSync(r.GetValue(Sync)!)];
            await RunAsync(counts, syncs, r.GetValue(Seconds));
            return 0;
        });
        return command;
    }

    public static SynchronousMode ParseSync(string value) => value.ToUpperInvariant() switch
    {
        "FULL" => SynchronousMode.Full,
        "NORMAL" => SynchronousMode.Normal,
        _ => throw new ArgumentException($"sync must be full or normal, not {value}"),
    };

    private static async Task RunAsync(IReadOnlyList<int> counts, IReadOnlyList<SynchronousMode> syncs, double seconds)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(inv, $"Item 5: processes charging on one file (each its own account) for {seconds:0} s after a common start, latency of each charge in microseconds:");
        text.AppendLine();
        text.AppendLine("| synchronous | processes | charges | charges per second | p50 | p99 | max |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        var folder = Directory.CreateTempSubdirectory("cycletokens-share-");
        try
        {
            foreach (var sync in syncs)
            {
                foreach (var count in counts)
                {
                    await Console.Error.WriteLineAsync($"{sync}: {count} process(es)");
                    var db = Path.Combine(folder.FullName, $"share-{sync}-{count}.db");
                    using (var ledger = TokenLedger.Open(new LedgerOptions { DatabasePath = db, Synchronous = sync }))
                    {
                        for (var w = 0; w < count; w++)
                        {
                            await ledger.GrantAsync($"worker-{w}", 1_000_000_000_000);
                        }
                    }

                    var workers = Enumerable.Range(0, count).Select(w => Start(db, $"worker-{w}", seconds, sync, Path.Combine(folder.FullName, $"samples-{w}.txt"))).ToList();
                    try
                    {
                        foreach (var worker in workers)
                        {
                            Expect(worker, "ready");
                        }

                        var clock = Stopwatch.StartNew();
                        foreach (var worker in workers)
                        {
                            await worker.StandardInput.WriteLineAsync("go");
                            await worker.StandardInput.FlushAsync();
                        }

                        var total = workers.Sum(w => long.Parse(Expect(w, "done ")["done ".Length..], inv));
                        var elapsed = clock.Elapsed.TotalSeconds;
                        var samples = Enumerable.Range(0, count).SelectMany(w => File.ReadLines(Path.Combine(folder.FullName, $"samples-{w}.txt")).Select(l => double.Parse(l, inv))).ToList();
                        var s = Summary.Of(samples);
                        text.AppendLine(inv, $"| {sync.ToString().ToUpperInvariant()} | {count} | {total:N0} | {total / Math.Max(elapsed, seconds):N0} | {s.Median:0} | {s.P99:0} | {s.Max:0} |");
                    }
                    finally
                    {
                        foreach (var worker in workers)
                        {
                            if (!worker.WaitForExit(TimeSpan.FromSeconds(10)))
                            {
                                worker.Kill(entireProcessTree: true);
                            }

                            worker.Dispose();
                        }
                    }
                }
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }

        text.AppendLine();
        Console.Out.Write(text.ToString());
    }

    private static Process Start(string db, string account, double seconds, SynchronousMode sync, string samples)
    {
        // This tool again, as `dotnet cycletokens-bench.dll` or as its apphost.
        var self = Environment.ProcessPath!;
        var info = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            info.ArgumentList.Add(typeof(ShareMode).Assembly.Location);
        }

        foreach (var argument in new[] { "share-worker", "--db", db, "--account", account, "--seconds", seconds.ToString(CultureInfo.InvariantCulture), "--sync", sync.ToString(), "--samples", samples })
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info) ?? throw new BenchException("share-worker did not start");
    }

    private static string Expect(Process worker, string prefix)
    {
        var line = worker.StandardOutput.ReadLine() ?? throw new BenchException($"share-worker exited before '{prefix.Trim()}'");
        return line.StartsWith(prefix, StringComparison.Ordinal) ? line : throw new BenchException($"share-worker said '{line}'");
    }
}
