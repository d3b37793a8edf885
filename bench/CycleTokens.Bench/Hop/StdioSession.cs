using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CycleTokens.Bench.Startup;

namespace CycleTokens.Bench.Hop;

/// <summary>
/// A minimal JSON-RPC client over a server's stdio, the same for every server measured: one request line written and
/// flushed, then lines read until the response with that id (notifications in between are skipped). Synchronous, so
/// the client adds as little as possible to what is timed.
/// </summary>
internal sealed class StdioSession : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _input;
    private readonly StreamReader _output;
    private readonly Queue<string> _stderr = new();
    private long _nextId = 1;

    private StdioSession(Process process)
    {
        _process = process;
        _input = process.StandardInput;
        _input.AutoFlush = false;
        _output = process.StandardOutput;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (_stderr)
            {
                _stderr.Enqueue(e.Data);
                if (_stderr.Count > 10)
                {
                    _stderr.Dequeue();
                }
            }
        };
        process.BeginErrorReadLine();
    }

    public Candidate Candidate { get; private init; } = null!;

    public int ProcessId => _process.Id;

    /// <summary>Starts the candidate and completes the MCP handshake (initialize, then notifications/initialized).</summary>
    public static StdioSession Start(Candidate candidate, string database)
    {
        var process = Process.Start(StartupProbe.StartInfo(candidate, database)) ?? throw new BenchException($"{candidate.FileName} did not start");
        var session = new StdioSession(process) { Candidate = candidate };
        session.Call("initialize", """{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"cycletokens-bench","version":"1.0"}}""");
        session.Notify("notifications/initialized");
        return session;
    }

    /// <summary>One request and its response line; throws on a JSON-RPC error or a tool result with isError.</summary>
    public string Call(string method, string parameters)
    {
        var id = _nextId++;
        Send(id, method, parameters);
        return Receive(id);
    }

    /// <summary>A tools/call request, timed from just before the write to just after the response line is read.</summary>
    public double TimedToolCall(string tool, string arguments)
    {
        var start = Stopwatch.GetTimestamp();
        Call("tools/call", $$"""{"name":"{{tool}}","arguments":{{arguments}}}""");
        return Stopwatch.GetElapsedTime(start).TotalMicroseconds;
    }

    /// <summary>Any request, timed like <see cref="TimedToolCall"/>.</summary>
    public double TimedCall(string method, string parameters)
    {
        var start = Stopwatch.GetTimestamp();
        Call(method, parameters);
        return Stopwatch.GetElapsedTime(start).TotalMicroseconds;
    }

    /// <summary>Writes the request without waiting (for pipelined load); pair with <see cref="Receive"/>.</summary>
    public long SendToolCall(string tool, string arguments)
    {
        var id = _nextId++;
        Send(id, "tools/call", $$"""{"name":"{{tool}}","arguments":{{arguments}}}""");
        return id;
    }

    public void Notify(string method)
    {
        _input.Write($$"""{"jsonrpc":"2.0","method":"{{method}}"}""" + "\n");
        _input.Flush();
    }

    /// <summary>Reads lines until any response arrives (pipelined load, where answers may come in any order).</summary>
    public void ReceiveAny()
    {
        while (true)
        {
            var line = _output.ReadLine() ?? throw new BenchException($"{Candidate.Label}: stdout closed{Tail()}");
            if (line.Contains("\"id\":", StringComparison.Ordinal) && (line.Contains("\"result\":", StringComparison.Ordinal) || line.Contains("\"error\":", StringComparison.Ordinal)))
            {
                if (line.Contains("\"isError\":true", StringComparison.Ordinal) || line.Contains("\"error\":{", StringComparison.Ordinal))
                {
                    throw new BenchException($"{Candidate.Label}: error response {line}");
                }

                return;
            }
        }
    }

    public string Receive(long id)
    {
        var expected = "\"id\":" + id.ToString(CultureInfo.InvariantCulture);
        while (true)
        {
            var line = _output.ReadLine() ?? throw new BenchException($"{Candidate.Label}: stdout closed{Tail()}");
            if (!line.Contains(expected, StringComparison.Ordinal))
            {
                continue;
            }

            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (!root.TryGetProperty("id", out var got) || got.ValueKind != JsonValueKind.Number || got.GetInt64() != id)
            {
                continue;
            }

            if (root.TryGetProperty("error", out _))
            {
                throw new BenchException($"{Candidate.Label}: error response {line}");
            }

            if (root.GetProperty("result") is { ValueKind: JsonValueKind.Object } result && result.TryGetProperty("isError", out var isError) && isError.ValueKind == JsonValueKind.True)
            {
                throw new BenchException($"{Candidate.Label}: tool error {line}");
            }

            return line;
        }
    }

    /// <summary>Resident and peak resident memory of the server process, in MiB, from /proc.</summary>
    public (double Rss, double Peak) Memory()
    {
        double rss = 0;
        double peak = 0;
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kib(line) / 1024.0;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kib(line) / 1024.0;
            }
        }

        return (rss, peak);

        static long Kib(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>CPU time the server process has used so far (user + system, all threads), from /proc.</summary>
    public TimeSpan CpuTime()
    {
        var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    public async ValueTask DisposeAsync()
    {
        await StartupProbe.StopAsync(_process);
        _process.Dispose();
    }

    private void Send(long id, string method, string parameters)
    {
        _input.Write($$"""{"jsonrpc":"2.0","id":{{id}},"method":"{{method}}","params":{{parameters}}}""" + "\n");
        _input.Flush();
    }

    private string Tail()
    {
        lock (_stderr)
        {
            return _stderr.Count == 0 ? string.Empty : "; stderr: " + string.Join(" | ", _stderr);
        }
    }
}
