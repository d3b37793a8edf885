using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CycleTokens.Bench.Startup;

namespace CycleTokens.Bench.Http;

/// <summary>
/// A server process listening on a free loopback port: <c>{db}</c> and <c>{port}</c> in the candidate's arguments and
/// environment are filled in. Its output is read and dropped (the last lines kept for errors); it is killed when disposed.
/// </summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _tail = new();

    private ServerProcess(Process process, Candidate candidate, int port)
    {
        _process = process;
        Candidate = candidate;
        Endpoint = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/mcp");
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Candidate Candidate { get; }

    /// <summary>The MCP endpoint, <c>http://127.0.0.1:PORT/mcp</c>.</summary>
    public Uri Endpoint { get; }

    public int ProcessId => _process.Id;

    /// <summary>Starts the candidate and waits (at most 30 s) until its port accepts connections.</summary>
    public static async Task<ServerProcess> StartAsync(Candidate candidate, string database, CancellationToken cancellationToken)
    {
        var port = FreePort();
        var text = port.ToString(CultureInfo.InvariantCulture);
        var info = StartupProbe.StartInfo(candidate, database);
        var arguments = info.ArgumentList.Select(a => a.Replace("{port}", text, StringComparison.Ordinal)).ToList();
        info.ArgumentList.Clear();
        arguments.ForEach(info.ArgumentList.Add);
        foreach (var (key, value) in candidate.Environment)
        {
            info.Environment[key] = value.Replace("{port}", text, StringComparison.Ordinal);
        }

        var server = new ServerProcess(Process.Start(info) ?? throw new BenchException($"{candidate.FileName} did not start"), candidate, port);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (server._process.HasExited)
            {
                throw new BenchException($"{candidate.Label} exited with status {server._process.ExitCode}{server.Tail()}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return server;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(50, cancellationToken);
            }
            catch (SocketException)
            {
                server.Dispose();
                throw new BenchException($"{candidate.Label} did not listen on port {port} within 30 s{server.Tail()}");
            }
        }
    }

    public double RssMib() => ProcStats.RssMib(_process.Id);

    /// <summary>The last lines the server wrote, for an error message.</summary>
    public string Tail()
    {
        lock (_tail)
        {
            return _tail.Count == 0 ? string.Empty : "; output: " + string.Join(" | ", _tail);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    // The kernel picks a free port; it is released at once for the server to take.
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_tail)
        {
            _tail.Enqueue(line);
            if (_tail.Count > 10)
            {
                _tail.Dequeue();
            }
        }
    }
}
