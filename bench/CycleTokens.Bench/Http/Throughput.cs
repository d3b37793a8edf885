using System.Globalization;
using System.Text;
using CycleTokens.Core;
using ModelContextProtocol.Client;

namespace CycleTokens.Bench.Http;

/// <summary>
/// Issue 12, items 1 and 2: for each session count, back to back, keyed charges over HTTP (2025-11-25 sessions, then
/// per-request 2026-07-28), the same charges on the engine in process, and the reference's echo over its Streamable
/// HTTP; then the two ratios the goals are read on.
/// </summary>
internal sealed class Throughput(HttpClient http, ServerProcess ours, IReadOnlyList<string> secrets, TokenLedger inProcess, ServerProcess? reference, LoadSettings settings)
{
    private readonly List<(int Sessions, string Target, string Revision, LoadResult Result, string Load)> _rows = [];

    public async Task RunAsync(IReadOnlyList<int> levels, CancellationToken cancellationToken)
    {
        foreach (var level in levels)
        {
            await MeasureAsync(level, "ours: charge_for_operation over HTTP", ours, Sessions.Sessioned, c => Calls.HttpCharge(c, $"h{level}"), cancellationToken);
            await MeasureAsync(level, "ours: charge_for_operation over HTTP", ours, Sessions.PerRequest, c => Calls.HttpCharge(c, $"r{level}"), cancellationToken);
            await Console.Error.WriteLineAsync($"{level} session(s): in process");
            var load = Load();
            var result = await ClosedLoop.RunAsync(level, Calls.InProcessCharge(inProcess, $"p{level}"), settings.Warmup, settings.Duration, settings.MaxPerWorker, null, cancellationToken);
            _rows.Add((level, "engine in process (TokenLedger.ChargeAsync)", "—", result, load));
            if (reference is not null)
            {
                await MeasureAsync(level, "reference: echo over HTTP", reference, Sessions.Sessioned, Calls.Echo, cancellationToken);
            }
        }
    }

    public string Report()
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(inv, $"Issue 12: closed loops, each session (or in-process caller) sends a call, awaits it, sends the next; {settings.Warmup.TotalSeconds:0} s warm-up, then {settings.Duration.TotalSeconds:0} s or {settings.MaxPerWorker:N0} calls per session. Latency in ms; CPU in µs per call (server process, and this process: the clients, or the engine itself in process):");
        text.AppendLine();
        text.AppendLine("| sessions | target | revision | calls | calls per second | p50 | p99 | server CPU | client CPU | load average |");
        text.AppendLine("|---:|---|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (var (sessions, target, revision, r, load) in _rows)
        {
            text.AppendLine(inv, $"| {sessions} | {target} | {revision} | {r.Calls:N0} | {r.PerSecond:N0} | {r.Latency.Median / 1000:0.00} | {r.Latency.P99 / 1000:0.00} | {Cpu(r.ServerCpuPerCall)} | {Cpu(r.ClientCpuPerCall)} | {load} |");
        }

        text.AppendLine();
        text.AppendLine("Goals: HTTP charges ≥ 0.8 × in process; HTTP charges ≥ 1.0 × the reference's echo (throughput ratios, same session count):");
        text.AppendLine();
        text.AppendLine("| sessions | revision | HTTP ÷ in process | ≥ 0.8 | HTTP ÷ echo | ≥ 1.0 |");
        text.AppendLine("|---:|---|---:|---|---:|---|");
        foreach (var group in _rows.GroupBy(r => r.Sessions))
        {
            var inProcessRate = group.Single(r => r.Revision == "—").Result.PerSecond;
            var echo = group.Where(r => r.Target.StartsWith("reference", StringComparison.Ordinal)).Select(r => r.Result.PerSecond).DefaultIfEmpty(double.NaN).First();
            foreach (var row in group.Where(r => r.Target.StartsWith("ours", StringComparison.Ordinal)))
            {
                var a = row.Result.PerSecond / inProcessRate;
                var b = row.Result.PerSecond / echo;
                text.AppendLine(inv, $"| {group.Key} | {row.Revision} | {a:0.00} | {(a >= 0.8 ? "met" : "not met")} | {b:0.00} | {(double.IsNaN(b) ? "—" : b >= 1.0 ? "met" : "not met")} |");
            }
        }

        text.AppendLine();
        return text.ToString();
    }

    private async Task MeasureAsync(int level, string target, ServerProcess server, string? revision, Func<IReadOnlyList<McpClient>, Func<int, long, CancellationToken, Task>> call, CancellationToken cancellationToken)
    {
        await Console.Error.WriteLineAsync($"{level} session(s): {target}, {revision ?? "SDK default revision"}");
        var clients = await Sessions.OpenAsync(http, server.Endpoint, server == ours ? secrets : null, revision, level, cancellationToken);
        try
        {
            var negotiated = clients[0].NegotiatedProtocolVersion ?? "?";
            var load = Load();
            var result = await ClosedLoop.RunAsync(level, call(clients), settings.Warmup, settings.Duration, settings.MaxPerWorker, server.CpuTime, cancellationToken);
            _rows.Add((level, target, negotiated, result, load));
        }
        catch (Exception ex) when (ex is HttpRequestException or ModelContextProtocol.McpException or OperationCanceledException)
        {
            throw new BenchException($"{server.Candidate.Label}: {ex.Message}{server.Tail()}");
        }
        finally
        {
            await Sessions.CloseAsync(clients);
        }
    }

    private static string Cpu(double microseconds) => double.IsNaN(microseconds) ? "—" : microseconds.ToString("0", CultureInfo.InvariantCulture);

    private static string Load() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}
