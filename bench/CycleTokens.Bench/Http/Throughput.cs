using System.Globalization;
using System.Text;
using CycleTokens.Core;
using ModelContextProtocol.Client;

namespace CycleTokens.Bench.Http;

/// <summary>
/// Issue 12, items 1 and 2: for each session count, keyed charges over HTTP (2025-11-25 sessions and per-request
/// 2026-07-28), the same charges on the engine in process (alone, and after the key lookup each HTTP request makes), a
/// read-only estimate over HTTP (the layers without the commit) and the reference's echo over its Streamable HTTP,
/// interleaved in rounds; then the ratios the goals are read on.
/// </summary>
internal sealed class Throughput(HttpClient http, ServerProcess ours, IReadOnlyList<string> secrets, TokenLedger inProcess, IReadOnlyList<string> inProcessSecrets, ServerProcess? reference, LoadSettings settings)
{
    private const string Charge = "ours: charge_for_operation over HTTP";
    private const string Estimate = "ours: estimate_operation over HTTP (reads, writes nothing)";
    private const string InProcess = "engine in process (TokenLedger.ChargeAsync)";
    private const string Authenticated = "engine in process, AuthenticateAsync then ChargeAsync (as each HTTP request)";
    private const string Echo = "reference: echo over HTTP";

    private readonly List<(int Sessions, string Target, string Revision, LoadResult Result)> _rows = [];

    public async Task RunAsync(IReadOnlyList<int> levels, CancellationToken cancellationToken)
    {
        foreach (var level in levels)
        {
            var open = new List<McpClient>();
            try
            {
                var sessioned = await OpenAsync(ours, Sessions.Sessioned, level, open, cancellationToken);
                var perRequest = await OpenAsync(ours, Sessions.PerRequest, level, open, cancellationToken);
                var loops = new List<(string Target, string Revision, ClosedLoop Loop, ServerProcess? Server)>
                {
                    (Charge, Revision(sessioned), new ClosedLoop(level, Calls.HttpCharge(sessioned, $"h{level}"), ours.ProcessId), ours),
                    (Charge, Revision(perRequest), new ClosedLoop(level, Calls.HttpCharge(perRequest, $"r{level}"), ours.ProcessId), ours),
                    (InProcess, "—", new ClosedLoop(level, Calls.InProcessCharge(inProcess, $"p{level}"), null), null),
                    (Authenticated, "—", new ClosedLoop(level, Calls.InProcessAuthenticatedCharge(inProcess, inProcessSecrets, $"a{level}"), null), null),
                    (Estimate, Revision(sessioned), new ClosedLoop(level, Calls.HttpEstimate(sessioned), ours.ProcessId), ours),
                };
                if (reference is not null)
                {
                    var echo = await OpenAsync(reference, Sessions.Sessioned, level, open, cancellationToken);
                    loops.Add((Echo, Revision(echo), new ClosedLoop(level, Calls.Echo(echo), reference.ProcessId), reference));
                }

                foreach (var (target, revision, loop, server) in loops)
                {
                    await Console.Error.WriteLineAsync($"{level} session(s): warm-up, {target} {revision}");
                    await Guard(server, loop.WarmAsync(settings.Warmup, cancellationToken));
                }

                for (var round = 1; round <= settings.Rounds; round++)
                {
                    await Console.Error.WriteLineAsync($"{level} session(s): round {round} of {settings.Rounds}");
                    foreach (var (_, _, loop, server) in loops)
                    {
                        await Guard(server, loop.MeasureAsync(settings.Duration / settings.Rounds, Math.Max(1, settings.MaxPerWorker / settings.Rounds), cancellationToken));
                    }
                }

                _rows.AddRange(loops.Select(l => (level, l.Target, l.Revision, l.Loop.Result())));
            }
            finally
            {
                await Sessions.CloseAsync(open);
            }
        }
    }

    public string Report()
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(inv, $"Issue 12: closed loops, each session (or in-process caller) sends a call, awaits it, sends the next; per session count every loop is warmed {settings.Warmup.TotalSeconds:0} s, then they take turns in {settings.Rounds} rounds, {settings.Duration.TotalSeconds:0} s (or {settings.MaxPerWorker:N0} calls per session) each in all. Latency in ms; CPU in µs per call (the server process; this process: the clients, or the engine itself in process); load: one-minute load average at the slices' starts:");
        text.AppendLine();
        text.AppendLine("| sessions | target | revision | calls | calls per second | p50 | p99 | server CPU | client CPU | load |");
        text.AppendLine("|---:|---|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (var (sessions, target, revision, r) in _rows)
        {
            text.AppendLine(inv, $"| {sessions} | {target} | {revision} | {r.Calls:N0} | {r.PerSecond:N0} | {r.Latency.Median / 1000:0.00} | {r.Latency.P99 / 1000:0.00} | {Cpu(r.ServerCpuPerCall)} | {Cpu(r.ClientCpuPerCall)} | {r.LoadMin:0.0}–{r.LoadMax:0.0} |");
        }

        text.AppendLine();
        text.AppendLine("Goals: HTTP charges ≥ 0.8 × in process; HTTP charges ≥ 1.0 × the reference's echo (throughput ratios, same session count):");
        text.AppendLine();
        text.AppendLine("| sessions | revision | HTTP ÷ in process | ≥ 0.8 | HTTP ÷ echo | ≥ 1.0 |");
        text.AppendLine("|---:|---|---:|---|---:|---|");
        foreach (var group in _rows.GroupBy(r => r.Sessions))
        {
            var inProcessRate = group.Single(r => r.Target == InProcess).Result.PerSecond;
            var echo = group.Where(r => r.Target == Echo).Select(r => r.Result.PerSecond).DefaultIfEmpty(double.NaN).First();
            foreach (var row in group.Where(r => r.Target == Charge))
            {
                var a = row.Result.PerSecond / inProcessRate;
                var b = row.Result.PerSecond / echo;
                text.AppendLine(inv, $"| {group.Key} | {row.Revision} | {a:0.00} | {(a >= 0.8 ? "met" : "not met")} | {b:0.00} | {(double.IsNaN(b) ? "—" : b >= 1.0 ? "met" : "not met")} |");
            }
        }

        text.AppendLine();
        return text.ToString();
    }

    private async Task<List<McpClient>> OpenAsync(ServerProcess server, string? revision, int count, List<McpClient> open, CancellationToken cancellationToken)
    {
        var clients = await Guard(server, Sessions.OpenAsync(http, server.Endpoint, server == ours ? secrets : null, revision, count, cancellationToken));
        open.AddRange(clients);
        return clients;
    }

    private static string Revision(List<McpClient> clients) => clients[0].NegotiatedProtocolVersion ?? "?";

    // A failure over HTTP names the server and the last lines it wrote.
    private static async Task<T> Guard<T>(ServerProcess server, Task<T> task)
    {
        await Guard(server, (Task)task);
        return await task;
    }

    private static async Task Guard(ServerProcess? server, Task task)
    {
        try
        {
            await task;
        }
        catch (Exception ex) when (server is not null && ex is HttpRequestException or ModelContextProtocol.McpException or OperationCanceledException)
        {
            throw new BenchException($"{server.Candidate.Label}: {ex.Message}{server.Tail()}");
        }
    }

    private static string Cpu(double microseconds) => double.IsNaN(microseconds) ? "—" : microseconds.ToString("0", CultureInfo.InvariantCulture);
}
