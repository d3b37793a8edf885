using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// A real <c>cycletokens serve</c> process (optionally under <c>faketime</c>) with a real <see cref="McpClient"/>
/// on its stdin/stdout. The test owns the process: <see cref="Kill"/> sends SIGKILL to the whole tree at any moment,
/// every call has a timeout, and disposing kills whatever is still running.
/// </summary>
internal sealed class ServerSession : IAsyncDisposable
{
    /// <summary>The longest one tool call may take before the test fails (the engine's busy timeout is 30 s).</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(45);

    private const int KeptStderrLines = 200;

    // Fully qualified: the test namespace CycleTokens.Mcp.Tests.Process hides the type name.
    private readonly System.Diagnostics.Process _process;
    private readonly Queue<string> _stderr = new();
    private readonly Task _stderrPump;
    private McpClient? _client;

    private ServerSession(string name, System.Diagnostics.Process process)
    {
        Name = name;
        _process = process;
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
    /// Starts <c>dotnet cycletokens.dll serve ARGS</c>, under <c>faketime -f SPEC</c> when <paramref name="faketimeSpec"/>
    /// is given, and connects a client. (libfaketime shifts the monotonic clock too; leave it so: with
    /// FAKETIME_DONT_FAKE_MONOTONIC=1 .NET's timed waits return at once, Thread.Sleep(1) included.)
    /// </summary>
    public static async Task<ServerSession> StartAsync(string name, IReadOnlyList<string> serveArgs, string? faketimeSpec, CancellationToken cancellationToken)
    {
        var info = faketimeSpec is null
            ? ServerProcess.Server(["serve", .. serveArgs])
            : ServerProcess.Command(Faketime.Executable!, ["-f", faketimeSpec, ServerProcess.DotnetHost, ServerProcess.ServerDll, "serve", .. serveArgs]);
        var process = System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start");
        var session = new ServerSession(name, process);
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
        catch
        {
            await session.DisposeAsync();
            throw;
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

    /// <summary>SIGKILL to the process and its children (faketime's child included), without waiting.</summary>
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
}
