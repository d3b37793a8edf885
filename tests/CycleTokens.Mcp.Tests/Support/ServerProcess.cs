using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// A real process (the <c>cycletokens</c> executable, or <c>dotnet run</c> of it) with redirected stdio, driven by raw
/// JSON-RPC lines. stdout and stderr are collected line by line and responses can be awaited by id. Every wait has a
/// timeout; disposing kills the whole process tree if it is still running.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    /// <summary>The longest any single wait may take before the test fails.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    // Fully qualified: the test namespace CycleTokens.Mcp.Tests.Process hides the type name.
    private readonly System.Diagnostics.Process _process;
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonObject>> _responses = new(StringComparer.Ordinal);
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;

    private ServerProcess(System.Diagnostics.Process process)
    {
        _process = process;
        _stdoutPump = PumpAsync(process.StandardOutput, _stdout, OnStdoutLine);
        _stderrPump = PumpAsync(process.StandardError, _stderr, static _ => { });
    }

    /// <summary>The server executable copied next to the tests (the test project references the Mcp project).</summary>
    public static string ServerDll => Path.Combine(AppContext.BaseDirectory, "cycletokens.dll");

    /// <summary>The dotnet host running these tests (set by the dotnet CLI), or <c>dotnet</c> from the path.</summary>
    public static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>Every stdout line so far (all of them once <see cref="WaitForExitAsync"/> returned).</summary>
    public IReadOnlyList<string> StdoutLines
    {
        get
        {
            lock (_stdout)
            {
                return [.. _stdout];
            }
        }
    }

    /// <summary>Every stderr line so far (all of them once <see cref="WaitForExitAsync"/> returned).</summary>
    public IReadOnlyList<string> StderrLines
    {
        get
        {
            lock (_stderr)
            {
                return [.. _stderr];
            }
        }
    }

    /// <summary>Start info for <c>dotnet cycletokens.dll ARGS</c>.</summary>
    public static ProcessStartInfo Server(params string[] args) => Command(DotnetHost, [ServerDll, .. args]);

    /// <summary>Start info for any command, with all stdio redirected as UTF-8 and no CYCLETOKENS_* inherited.</summary>
    public static ProcessStartInfo Command(string fileName, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = Utf8,
            StandardOutputEncoding = Utf8,
            StandardErrorEncoding = Utf8,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // The tests decide the settings; whatever the developer's shell has set must not leak in.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("CYCLETOKENS_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        return info;
    }

    public static ServerProcess Start(ProcessStartInfo info)
    {
        var process = System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start");
        process.StandardInput.NewLine = "\n";
        process.StandardInput.AutoFlush = true;
        return new ServerProcess(process);
    }

    /// <summary>
    /// Starts <c>dotnet cycletokens.dll ARGS</c> through the SDK's <see cref="StdioClientTransport"/> and connects a
    /// real <see cref="McpClient"/> (<paramref name="protocolVersion"/> null: the client's default, 2026-07-28). The
    /// transport kills the process tree when the client is disposed.
    /// </summary>
    public static async Task<McpClient> ConnectAsync(
        IList<string> args,
        string? protocolVersion,
        IDictionary<string, string?>? environment = null,
        Action<string>? stderrLines = null)
    {
        var variables = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("CYCLETOKENS_", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(k => k, _ => (string?)null, StringComparer.Ordinal);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            variables[key] = value;
        }

        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "cycletokens",
            Command = DotnetHost,
            Arguments = [ServerDll, .. args],
            WorkingDirectory = AppContext.BaseDirectory,
            EnvironmentVariables = variables,
            StandardErrorLines = stderrLines ?? (static _ => { }),
        });
        using var timeout = new CancellationTokenSource(Timeout);
        return await McpClient.CreateAsync(
            transport,
            new McpClientOptions { ClientInfo = new Implementation { Name = "cycletokens-process-tests", Version = "1.0" }, ProtocolVersion = protocolVersion },
            cancellationToken: timeout.Token);
    }

    /// <summary>Writes one raw line to the process's stdin.</summary>
    public async Task SendAsync(string line)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await _process.StandardInput.WriteLineAsync(line.AsMemory(), timeout.Token);
    }

    /// <summary>Sends a JSON-RPC request and awaits its response (a result or an error object).</summary>
    public async Task<JsonObject> RequestAsync(long id, string method, string paramsJson = "{}")
    {
        await SendAsync($$"""{"jsonrpc":"2.0","id":{{id}},"method":"{{method}}","params":{{paramsJson}}}""");
        return await ResponseAsync(id);
    }

    /// <summary>Awaits the response with this numeric id.</summary>
    public Task<JsonObject> ResponseAsync(long id) => Waiter(JsonValue.Create(id).ToJsonString()).Task.WaitAsync(Timeout);

    /// <summary>Closes stdin: the end of the session for a stdio server.</summary>
    public void CloseInput()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The process has exited already (a refused start): its stdin is gone.
        }
    }

    /// <summary>Sends SIGTERM, as a service manager or a client's shutdown does.</summary>
    public void Terminate() => Assert.Equal(0, Signals.kill(_process.Id, Signals.SigTerm));

    /// <summary>SIGKILL to the process and its children, as a crash or the OOM killer would end it; does not wait.</summary>
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

    /// <summary>Waits for the process to exit and for all of its output to be read; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await _process.WaitForExitAsync(timeout.Token);
        await Task.WhenAll(_stdoutPump, _stderrPump).WaitAsync(Timeout);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var timeout = new CancellationTokenSource(Timeout);
                await _process.WaitForExitAsync(timeout.Token);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            _process.Dispose();
        }
    }

    /// <summary>The configuration the tests were built in (Debug, Release), so <c>dotnet run</c> can reuse that build.</summary>
    public static string BuildConfiguration =>
        typeof(ServerProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>The repository root: the nearest folder above the test output that holds CycleTokens.Mcp.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "CycleTokens.Mcp.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("CycleTokens.Mcp.sln not found above " + AppContext.BaseDirectory);
    }

    private static async Task PumpAsync(StreamReader reader, List<string> lines, Action<string> onLine)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (lines)
            {
                lines.Add(line);
            }

            onLine(line);
        }
    }

    private void OnStdoutLine(string line)
    {
        try
        {
            if (JsonNode.Parse(line) is JsonObject message && message["id"] is { } id && (message.ContainsKey("result") || message.ContainsKey("error")))
            {
                Waiter(id.ToJsonString()).TrySetResult(message);
            }
        }
        catch (JsonException)
        {
            // Not JSON: the tests that care check every line themselves.
        }
    }

    private TaskCompletionSource<JsonObject> Waiter(string id) =>
        _responses.GetOrAdd(id, static _ => new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously));
}
