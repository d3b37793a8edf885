using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace CycleTokens.Bench.Http;

/// <summary>
/// Issue 12, item 3: resident memory (VmRSS) of a fresh server process after one session has called one tool and
/// closed (the baseline), then with N 2025-11-25 sessions initialized and left open (each also holds the SDK client's
/// standalone GET stream, as a real idle client does), then after they are closed.
/// </summary>
internal static class IdleMemory
{
    public static async Task<string> RunAsync(HttpClient http, ServerProcess server, IReadOnlyList<string>? secrets, Func<IReadOnlyList<ModelContextProtocol.Client.McpClient>, Func<int, long, CancellationToken, Task>> warmCall, int count, TimeSpan settle, CancellationToken cancellationToken)
    {
        var warm = await Sessions.OpenAsync(http, server.Endpoint, secrets, Sessions.Sessioned, 1, cancellationToken);
        await warmCall(warm)(0, 0, cancellationToken);
        await Sessions.CloseAsync(warm);
        await Task.Delay(settle, cancellationToken);
        var baseline = server.RssMib();

        await Console.Error.WriteLineAsync($"{server.Candidate.Label}: baseline {baseline:0.0} MiB; opening {count:N0} sessions");
        var clock = Stopwatch.StartNew();
        var idle = await Sessions.OpenAsync(http, server.Endpoint, secrets, Sessions.Sessioned, count, cancellationToken);
        var opening = clock.Elapsed.TotalSeconds;
        double open;
        try
        {
            await Task.Delay(settle, cancellationToken);
            open = server.RssMib();
        }
        finally
        {
            await Sessions.CloseAsync(idle);
        }

        await Task.Delay(settle, cancellationToken);
        var closed = server.RssMib();
        var perSession = (open - baseline) * 1024 / count;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"| {server.Candidate.Label} | {baseline:0.0} | {open:0.0} | {perSession:0.0} | {closed:0.0} | {opening:0.0} |");
    }

    public static string Header(int count, TimeSpan settle)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Issue 12: resident memory (VmRSS, MiB) of a fresh server process: baseline after one session called one tool and closed; with {count:N0} idle 2025-11-25 sessions open; after closing them (each reading {settle.TotalSeconds:0} s after the step):");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"| server | baseline | {count:N0} idle sessions | KiB per session | after closing | seconds to open them |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|");
        return text.ToString();
    }
}
