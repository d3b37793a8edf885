using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using CycleTokens.Bench.Ledger;
using CycleTokens.Core;

namespace CycleTokens.Bench.Hop;

/// <summary>
/// <c>hop</c> (item 3): sequential tool calls through the real stdio processes, one client for all. Our server answers
/// <c>estimate_operation</c> (read-only) and <c>charge_for_operation</c> (a durable commit); the reference server its
/// <c>echo</c>. After warm-up calls, rounds run every (server, call) for a batch in turn, so drift touches all alike.
/// The durable-commit floor (<see cref="FloorWriter"/>, FULL) is measured in the same run for the charge's goal.
/// </summary>
internal static class HopMode
{
    public const string Estimate = """{"operation":"model.export.step","params":{"part":1,"units":"mm"}}""";
    public const string Charge = """{"operation":"model.export.step","params":{"part":1,"units":"mm"}}""";
    public const string Echo = """{"message":"model.export.step"}""";

    private static readonly Option<string[]> Candidates = new("--candidate") { Description = "Our server: LABEL=[VAR=value ...] PROGRAM [ARG ...] with {db}. Repeatable.", Required = true };
    private static readonly Option<string?> Reference = new("--reference") { Description = "The reference server: LABEL=PROGRAM [ARG ...]; its echo tool is called." };
    private static readonly Option<string> Account = new("--account") { Description = "The account our candidates bind (granted tokens first).", DefaultValueFactory = _ => "bench" };
    private static readonly Option<int> Warmup = new("--warmup") { Description = "Unmeasured calls per (server, call) first, for at least 3 s (so the JIT's tiering has settled).", DefaultValueFactory = _ => 2000 };
    private static readonly Option<int> Rounds = new("--rounds") { DefaultValueFactory = _ => 20 };
    private static readonly Option<int> Batch = new("--batch") { Description = "Calls per (server, call) in a round.", DefaultValueFactory = _ => 100 };
    private static readonly Option<int> FloorCommits = new("--floor-commits") { Description = "Timed commits of the durable floor.", DefaultValueFactory = _ => 1000 };

    public static Command Create()
    {
        var command = new Command("hop", "Item 3: p50/p99 of sequential tool calls over stdio against the reference server's echo.");
        foreach (var option in new Option[] { Candidates, Reference, Account, Warmup, Rounds, Batch, FloorCommits })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (r, ct) =>
        {
            await RunAsync(
                [.. r.GetValue(Candidates)!.Select(Candidate.Parse)],
                r.GetValue(Reference) is { } reference ? Candidate.Parse(reference) : null,
                r.GetValue(Account)!,
                r.GetValue(Warmup),
                r.GetValue(Rounds),
                r.GetValue(Batch),
                r.GetValue(FloorCommits));
            return 0;
        });
        return command;
    }

    // ping is the protocol's own no-op request: what the server's MCP stack costs with no tool at all.
    private static double Time(StdioSession session, string tool, string arguments) =>
        tool == "ping" ? session.TimedCall("ping", arguments) : session.TimedToolCall(tool, arguments);

    /// <summary>A ledger file for our server with the account created and granted enough for any run.</summary>
    public static string PrepareLedger(string folder, string name, string account)
    {
        var path = Path.Combine(folder, name);
        using var ledger = TokenLedger.Open(new LedgerOptions { DatabasePath = path });
        ledger.GrantAsync(account, 1_000_000_000_000).GetAwaiter().GetResult();
        return path;
    }

    private static async Task RunAsync(IReadOnlyList<Candidate> ours, Candidate? reference, string account, int warmup, int rounds, int batch, int floorCommits)
    {
        var folder = Directory.CreateTempSubdirectory("cycletokens-hop-");
        var sessions = new List<(StdioSession Session, string Call, string Tool, string Arguments)>();
        var started = new List<StdioSession>();
        try
        {
            for (var i = 0; i < ours.Count; i++)
            {
                var session = StdioSession.Start(ours[i], PrepareLedger(folder.FullName, $"hop-{i}.db", account));
                started.Add(session);
                sessions.Add((session, "ping", "ping", "{}"));
                sessions.Add((session, "estimate_operation", "estimate_operation", Estimate));
                sessions.Add((session, "charge_for_operation", "charge_for_operation", Charge));
            }

            if (reference is not null)
            {
                var session = StdioSession.Start(reference, Path.Combine(folder.FullName, "unused.db"));
                started.Add(session);
                sessions.Add((session, "ping", "ping", "{}"));
                sessions.Add((session, "echo", "echo", Echo));
            }

            foreach (var (session, call, tool, arguments) in sessions)
            {
                await Console.Error.WriteLineAsync($"warm-up: {session.Candidate.Label} {call} x{warmup}, at least 3 s");
                var warming = Stopwatch.StartNew();
                for (var w = 0; w < warmup || warming.Elapsed < TimeSpan.FromSeconds(3); w++)
                {
                    Time(session, tool, arguments);
                }
            }

            var samples = sessions.ToDictionary(s => s, _ => new List<double>(rounds * batch));
            var cpu = sessions.ToDictionary(s => s, _ => TimeSpan.Zero);
            for (var r = 0; r < rounds; r++)
            {
                await Console.Error.WriteLineAsync($"round {r + 1}/{rounds}");
                foreach (var s in sessions)
                {
                    var cpuBefore = s.Session.CpuTime();
                    for (var b = 0; b < batch; b++)
                    {
                        samples[s].Add(Time(s.Session, s.Tool, s.Arguments));
                    }

                    cpu[s] += s.Session.CpuTime() - cpuBefore;
                }
            }

            await Console.Error.WriteLineAsync($"durable-commit floor: {floorCommits} commits");
            var floor = MeasureFloor(Path.Combine(folder.FullName, "floor.db"), floorCommits);
            Console.Out.Write(Table(sessions.Select(s => (s.Session.Candidate.Label, s.Call, Summary.Of(samples[s]), cpu[s].TotalMicroseconds / samples[s].Count)).ToList(), floor, warmup, rounds, batch));
        }
        finally
        {
            foreach (var session in started)
            {
                await session.DisposeAsync();
            }

            folder.Delete(recursive: true);
        }
    }

    /// <summary>The durable commit of a charge's rows alone (synchronous=FULL), timed one by one after 100 unmeasured.</summary>
    public static Summary MeasureFloor(string path, int commits)
    {
        using var floor = FloorWriter.Create(path, SynchronousMode.Full);
        for (var i = 0; i < 100; i++)
        {
            floor.Write();
        }

        var samples = new List<double>(commits);
        for (var i = 0; i < commits; i++)
        {
            var start = Stopwatch.GetTimestamp();
            floor.Write();
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }

        return Summary.Of(samples);
    }

    private static string Table(List<(string Server, string Call, Summary Summary, double CpuPerCall)> rows, Summary floor, int warmup, int rounds, int batch)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(inv, $"Item 3: sequential tools/call round trips over stdio, {rounds} rounds of {batch} per (server, call) after at least {warmup} warm-up calls and 3 s, microseconds (server CPU: the server process's user + system time per call, 10 ms ticks):");
        text.AppendLine();
        text.AppendLine("| server | call | calls | p50 | p90 | p99 | mean | max | server CPU per call |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (server, call, s, cpu) in rows)
        {
            text.AppendLine(inv, $"| {server} | {call} | {s.Count} | {s.Median:0} | {s.P90:0} | {s.P99:0} | {s.Mean:0} | {s.Max:0} | {cpu:0} |");
        }

        text.AppendLine(inv, $"| durable-commit floor (FULL, item 1's rows) | commit | {floor.Count} | {floor.Median:0} | {floor.P90:0} | {floor.P99:0} | {floor.Mean:0} | {floor.Max:0} | |");
        text.AppendLine();
        var echo = rows.FirstOrDefault(r => r.Call == "echo");
        if (echo.Summary is not null)
        {
            var referencePing = rows.First(r => r.Server == echo.Server && r.Call == "ping").Summary;
            foreach (var server in rows.Where(r => r.Call == "estimate_operation").Select(r => r.Server))
            {
                var ping = rows.Single(r => r.Server == server && r.Call == "ping").Summary;
                var estimate = rows.Single(r => r.Server == server && r.Call == "estimate_operation").Summary;
                var charge = rows.Single(r => r.Server == server && r.Call == "charge_for_operation").Summary;
                var budget = echo.Summary.Median + (1.2 * floor.Median);
                text.AppendLine(inv, $"- {server}: ping p50 / reference ping p50 = {ping.Median / referencePing.Median:0.00}; estimate p50 / echo p50 = {estimate.Median / echo.Summary.Median:0.00} (goal <= 1.20); charge p50 {charge.Median:0} us against echo p50 + 1.2 x floor p50 = {budget:0} us: {charge.Median / budget:0.00} (goal <= 1.00)");
            }

            text.AppendLine();
        }

        return text.ToString();
    }
}
