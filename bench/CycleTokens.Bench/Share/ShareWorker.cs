using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CycleTokens.Bench.Hop;
using CycleTokens.Core;
using CycleTokens.Core.Charges;

namespace CycleTokens.Bench.Share;

/// <summary>
/// <c>share-worker</c>: one of the processes of <see cref="ShareMode"/>. Opens the ledger, says <c>ready</c>, waits for
/// <c>go</c> on stdin, charges its own account until the time is up, writes each charge's latency (microseconds, one a
/// line) to the samples file and says <c>done COUNT</c>.
/// </summary>
internal static class ShareWorker
{
    private static readonly Option<string> Db = new("--db") { Required = true };
    private static readonly Option<string> Account = new("--account") { Required = true };
    private static readonly Option<double> Seconds = new("--seconds") { DefaultValueFactory = _ => 5 };
    private static readonly Option<string> Sync = new("--sync") { DefaultValueFactory = _ => "full" };
    private static readonly Option<string> Samples = new("--samples") { Required = true };

    public static Command Create()
    {
        var command = new Command("share-worker", "Internal: one charging process of the share mode.") { Hidden = true };
        foreach (var option in new Option[] { Db, Account, Seconds, Sync, Samples })
        {
            command.Options.Add(option);
        }

        command.SetAction(r =>
        {
            Run(r.GetValue(Db)!, r.GetValue(Account)!, TimeSpan.FromSeconds(r.GetValue(Seconds)), ShareMode.ParseSync(r.GetValue(Sync)!), r.GetValue(Samples)!);
            return 0;
        });
        return command;
    }

    private static void Run(string db, string account, TimeSpan duration, SynchronousMode sync, string samplesFile)
    {
        using var ledger = TokenLedger.Open(new LedgerOptions { DatabasePath = db, Synchronous = sync });
        var request = new ChargeRequest("model.export.step") { Params = System.Text.Json.JsonDocument.Parse(HopMode.Charge).RootElement.GetProperty("params") };

        // Warm the code paths before the clock starts.
        for (var i = 0; i < 50; i++)
        {
            ledger.ChargeAsync(account, request).GetAwaiter().GetResult();
        }

        Console.Out.WriteLine("ready");
        Console.Out.Flush();
        if (Console.In.ReadLine() != "go")
        {
            return;
        }

        var samples = new List<double>(100_000);
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var start = Stopwatch.GetTimestamp();
            ledger.ChargeAsync(account, request).GetAwaiter().GetResult();
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }

        File.WriteAllLines(samplesFile, samples.Select(s => s.ToString("0.0", CultureInfo.InvariantCulture)));
        Console.Out.WriteLine("done " + samples.Count.ToString(CultureInfo.InvariantCulture));
        Console.Out.Flush();
    }
}
