using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace CycleTokens.Bench.Hop;

/// <summary>
/// <c>memory</c> (item 4): resident memory of each server after the handshake (idle), then after N calls
/// (<c>charge_for_operation</c> for ours, <c>echo</c> for the reference), sent pipelined a window at a time.
/// </summary>
internal static class MemoryMode
{
    private static readonly Option<string[]> Candidates = new("--candidate") { Description = "Our server: LABEL=[VAR=value ...] PROGRAM [ARG ...] with {db}. Repeatable.", Required = true };
    private static readonly Option<string?> Reference = new("--reference") { Description = "The reference server: LABEL=PROGRAM [ARG ...]; its echo tool is called." };
    private static readonly Option<string> Account = new("--account") { DefaultValueFactory = _ => "bench" };
    private static readonly Option<int> Calls = new("--calls") { DefaultValueFactory = _ => 100_000 };
    private static readonly Option<int> Window = new("--window") { Description = "Requests in flight.", DefaultValueFactory = _ => 16 };
    private static readonly Option<int> SettleSeconds = new("--settle") { Description = "Seconds idle before each reading.", DefaultValueFactory = _ => 2 };

    public static Command Create()
    {
        var command = new Command("memory", "Item 4: resident memory at idle and after N calls, against the reference server.");
        foreach (var option in new Option[] { Candidates, Reference, Account, Calls, Window, SettleSeconds })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (r, ct) =>
        {
            var targets = r.GetValue(Candidates)!.Select(c => (Candidate.Parse(c), "charge_for_operation", HopMode.Charge)).ToList();
            if (r.GetValue(Reference) is { } reference)
            {
                targets.Add((Candidate.Parse(reference), "echo", HopMode.Echo));
            }

            await RunAsync(targets, r.GetValue(Account)!, r.GetValue(Calls), r.GetValue(Window), TimeSpan.FromSeconds(r.GetValue(SettleSeconds)));
            return 0;
        });
        return command;
    }

    private static async Task RunAsync(List<(Candidate Candidate, string Tool, string Arguments)> targets, string account, int calls, int window, TimeSpan settle)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(inv, $"Item 4: resident memory (VmRSS) in MiB after the handshake and {settle.TotalSeconds:0} s idle, then after {calls:N0} calls ({window} in flight) and {settle.TotalSeconds:0} s idle; peak is VmHWM:");
        text.AppendLine();
        text.AppendLine(inv, $"| server | calls | idle | after {calls:N0} calls | peak | calls per second |");
        text.AppendLine("|---|---|---:|---:|---:|---:|");
        var folder = Directory.CreateTempSubdirectory("cycletokens-memory-");
        try
        {
            for (var i = 0; i < targets.Count; i++)
            {
                var (candidate, tool, arguments) = targets[i];
                await using var session = StdioSession.Start(candidate, tool == "echo" ? Path.Combine(folder.FullName, "unused.db") : HopMode.PrepareLedger(folder.FullName, $"memory-{i}.db", account));
                await Task.Delay(settle);
                var idle = session.Memory();
                await Console.Error.WriteLineAsync($"{candidate.Label}: idle {idle.Rss:0.0} MiB; {calls:N0} x {tool}");
                var clock = Stopwatch.StartNew();
                var sent = 0;
                var received = 0;
                while (received < calls)
                {
                    while (sent < calls && sent - received < window)
                    {
                        session.SendToolCall(tool, arguments);
                        sent++;
                    }

                    session.ReceiveAny();
                    received++;
                    if (received % 20_000 == 0)
                    {
                        await Console.Error.WriteLineAsync($"  {received:N0} in {clock.Elapsed.TotalSeconds:0} s");
                    }
                }

                var rate = calls / clock.Elapsed.TotalSeconds;
                await Task.Delay(settle);
                var after = session.Memory();
                text.AppendLine(inv, $"| {candidate.Label} | {tool} | {idle.Rss:0.0} | {after.Rss:0.0} | {after.Peak:0.0} | {rate:N0} |");
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }

        text.AppendLine();
        Console.Out.Write(text.ToString());
    }
}
