using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// A real <c>cycletokens serve</c> process (optionally on libfaketime's clock) with a real <see cref="McpClient"/>
/// on its stdin/stdout. The test owns the process: <see cref="Kill"/> sends SIGKILL to the whole tree at any moment,
/// every call has a timeout, and disposing kills whatever is still running.
/// </summary>
internal sealed partial class ServerSession : IAsyncDisposable
{
    /// <summary>The longest one tool call may take before the test fails (the engine's busy timeout is 30 s).</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(45);

    private const int KeptStderrLines = 200;

    // Fully qualified: the test namespace CycleTokens.Mcp.Tests.Process hides the type name.
    private readonly System.Diagnostics.Process _process;
    private readonly Queue<string> _stderr = new();
    private readonly Task _stderrPump;
    private readonly bool _faked;
    private McpClient? _client;

    static ServerSession()
    {
        // The test platform keeps two of this host's pool threads blocked for the whole run (its socket loop and
        // xunit's assembly runner), so on two cores the pool starts with two free threads. When a load test started
        // its loops, the pool showed queued work and no progress for up to 0.6 s, and the mixed-load test measured
        // that stall as round trips of 0.5-1.2 s; with this floor its slowest calls are 0.2-0.3 s (each server's first
        // calls compiling their code).
        ThreadPool.GetMinThreads(out var workers, out var completion);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), completion);
    }

    private ServerSession(string name, System.Diagnostics.Process process, bool faked)
    {
        Name = name;
        _process = process;
        _faked = faked;
        _stderrPump = PumpStderrAsync();
    }

    /// <summary>A label for messages (e.g. <c>agent-alice-1</c>).</summary>
    public string Name { get; }

    public McpClient Client => _client ?? throw new InvalidOperationException("not connected");

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the server wrote to stderr (its log), for failure messages.</summary>
    public string StderrTail
    {
        get
        {
            lock (_stderr)
            {
                return string.Join("\n", _stderr);
            }
        }
    }

    /// <summary>
    /// How the server's writes fared with the file's write lock (count, wait and hold percentiles), as it logged them when
    /// its session ended (<see cref="StopAsync"/>), or a note that it logged none.
    /// </summary>
    public string WriteLockFigures => LockLine().Match(StderrTail) is { Success: true } m ? m.Groups[1].Value : "(no lock statistics logged)";

    /// <summary>
    /// Starts <c>dotnet cycletokens.dll serve ARGS</c>, on the fake clock <paramref name="faketimeSpec"/> when it is
    /// given (<see cref="Faketime.Apply"/>), and connects a client.
    /// </summary>
    public static async Task<ServerSession> StartAsync(string name, IReadOnlyList<string> serveArgs, string? faketimeSpec, CancellationToken cancellationToken)
    {
        var info = ServerProcess.Server(["serve", .. serveArgs]);
        if (faketimeSpec is not null)
        {
            Faketime.Apply(info, faketimeSpec);
        }

        var process = System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start");
        var session = new ServerSession(name, process, faketimeSpec is not null);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ServerProcess.Timeout);
            var transport = new StreamClientTransport(process.StandardInput.BaseStream, process.StandardOutput.BaseStream);
            session._client = await McpClient.CreateAsync(
                transport,
                new McpClientOptions { ClientInfo = new Implementation { Name = "cycletokens-reliability-tests", Version = "1.0" } },
                cancellationToken: timeout.Token);
            return session;
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or McpException)
        {
            // A server that died while starting says why on stderr: wait for it to exit so the message can carry it.
            var exited = await session.WaitForExitAsync(TimeSpan.FromSeconds(5));
            var exitCode = exited ? session._process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "still running";
            await session.DisposeAsync();
            throw new InvalidOperationException($"{name} did not complete initialize (exit code: {exitCode}); its stderr:\n{session.StderrTail}", ex);
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    private async Task<bool> WaitForExitAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            await _stderrPump.WaitAsync(limit);
            return true;
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Awaits several starts and adds every session that started, in order, to <paramref name="started"/> — also
    /// when another start failed, so the caller's cleanup still kills them.
    /// </summary>
    public static async Task StartAllAsync(IReadOnlyList<Task<ServerSession>> starts, List<ServerSession> started)
    {
        try
        {
            await Task.WhenAll(starts);
        }
        finally
        {
            started.AddRange(starts.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
        }
    }

    /// <summary>Calls a tool with JSON arguments; throws when the process dies or the call exceeds <see cref="CallTimeout"/>.</summary>
    public async Task<CallToolResult> CallAsync(string tool, JsonObject arguments, CancellationToken cancellationToken)
    {
        var args = arguments.ToDictionary(p => p.Key, p => JsonSerializer.SerializeToElement(p.Value));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CallTimeout);
        return await Client.CallToolAsync(new CallToolRequestParams { Name = tool, Arguments = args }, timeout.Token);
    }

    /// <summary>Calls a tool that must succeed and returns its structured content.</summary>
    public async Task<JsonElement> CallOkAsync(string tool, JsonObject arguments, CancellationToken cancellationToken)
    {
        var result = await CallAsync(tool, arguments, cancellationToken);
        Assert.True(result.IsError is not true, $"{Name}: {tool} failed: {McpTestServer.Text(result)}");
        return result.StructuredContent ?? throw new Xunit.Sdk.XunitException($"{Name}: {tool} returned no structured content");
    }

    /// <summary>SIGKILL to the process and its children, without waiting.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>
    /// Ends the session as a client does: closes stdin and waits for the server to exit by itself (its exit log included
    /// in <see cref="StderrTail"/>); returns its exit code.
    /// </summary>
    public async Task<int> StopAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
            _client = null;
        }

        try
        {
            _process.StandardInput.Close();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException)
        {
            // The client transport closed it already.
        }

        using var timeout = new CancellationTokenSource(ServerProcess.Timeout);
        await _process.WaitForExitAsync(timeout.Token);
        await _stderrPump.WaitAsync(ServerProcess.Timeout);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        if (_client is not null)
        {
            try
            {
                await _client.DisposeAsync();
            }
#pragma warning disable CA1031 // The process is gone: whatever the client reports while closing is irrelevant.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }

        try
        {
            using var timeout = new CancellationTokenSource(ServerProcess.Timeout);
            await _process.WaitForExitAsync(timeout.Token);
            await _stderrPump.WaitAsync(ServerProcess.Timeout);
        }
        finally
        {
            if (_faked && _process.HasExited)
            {
                Faketime.Forget(_process.Id);
            }

            _process.Dispose();
        }
    }

    private async Task PumpStderrAsync()
    {
        try
        {
            while (await _process.StandardError.ReadLineAsync() is { } line)
            {
                lock (_stderr)
                {
                    _stderr.Enqueue(line);
                    if (_stderr.Count > KeptStderrLines)
                    {
                        _stderr.Dequeue();
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // Killed: the pipe broke.
        }
    }

    [GeneratedRegex(@"Write lock this session: (.*)$", RegexOptions.Multiline)]
    private static partial Regex LockLine();
}
