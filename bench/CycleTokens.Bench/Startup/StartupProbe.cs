using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace CycleTokens.Bench.Startup;

/// <summary>
/// One cold start: spawn the candidate, write an MCP <c>initialize</c> request on stdin at once, and time from just
/// before the spawn until the initialize response line has been read from stdout. Then stdin is closed and the process
/// is given a few seconds to exit before its tree is killed; that part is not timed.
/// </summary>
internal static class StartupProbe
{
    public const string ProtocolVersion = "2025-11-25";

    private const string InitializeRequest =
        """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"cycletokens-bench","version":"1.0"}}}""";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static async Task<TimeSpan> MeasureAsync(Candidate candidate, string database, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var info = StartInfo(candidate, database);
        var stderr = new Queue<string>();
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new BenchException($"{candidate.FileName} did not start");
        process.ErrorDataReceived += (_, e) => Keep(stderr, e.Data);
        process.BeginErrorReadLine();
        try
        {
            await process.StandardInput.WriteAsync(InitializeRequest + "\n");
            await process.StandardInput.FlushAsync(cancellationToken);

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            while (true)
            {
                string? line;
                try
                {
                    line = await process.StandardOutput.ReadLineAsync(deadline.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new BenchException($"no initialize response within {timeout.TotalSeconds:0} s{Tail(stderr)}");
                }

                if (line is null)
                {
                    throw new BenchException($"stdout closed before the initialize response{Tail(stderr)}");
                }

                if (IsInitializeResponse(line))
                {
                    return clock.Elapsed;
                }
            }
        }
        finally
        {
            await StopAsync(process);
        }
    }

    internal static ProcessStartInfo StartInfo(Candidate candidate, string database)
    {
        var info = new ProcessStartInfo(candidate.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = Utf8,
            StandardOutputEncoding = Utf8,
            StandardErrorEncoding = Utf8,
            UseShellExecute = false,
        };
        foreach (var argument in candidate.Arguments)
        {
            info.ArgumentList.Add(argument.Replace("{db}", database, StringComparison.Ordinal));
        }

        // Only the candidate's own settings: none of the developer's CYCLETOKENS_* variables leak in.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("CYCLETOKENS_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in candidate.Environment)
        {
            info.Environment[key] = value;
        }

        return info;
    }

    private static bool IsInitializeResponse(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.Number || id.GetInt32() != 1)
            {
                return false;
            }

            return root.TryGetProperty("result", out _)
                ? true
                : throw new BenchException($"initialize failed: {line}");
        }
        catch (JsonException)
        {
            throw new BenchException($"not JSON-RPC on stdout: {line}");
        }
    }

    internal static async Task StopAsync(Process process)
    {
        try
        {
            process.StandardInput.Close();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(grace.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }

    private static void Keep(Queue<string> lines, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (lines)
        {
            lines.Enqueue(line);
            if (lines.Count > 10)
            {
                lines.Dequeue();
            }
        }
    }

    private static string Tail(Queue<string> lines)
    {
        lock (lines)
        {
            return lines.Count == 0 ? string.Empty : "; stderr: " + string.Join(" | ", lines);
        }
    }
}
