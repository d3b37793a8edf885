using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using CycleTokens.Core;
using CycleTokens.Mcp.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// The real server (same registration as the executable, agent or operator mode) spoken to in raw bytes, keeping
/// every line it writes: for messages no client library produces (lone surrogates, broken JSON, invalid UTF-8,
/// nesting deeper than a serializer allows) and for checking that nothing but well-formed answers comes back.
/// </summary>
internal sealed class RawLineSession : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly Pipe _toServer;
    private readonly Stream _writer;
    private readonly IHost _host;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private int _nextId = 1000;

    private RawLineSession(string folder, TokenLedger ledger, IHost host, Pipe toServer, Pipe fromServer)
    {
        Folder = folder;
        Ledger = ledger;
        _host = host;
        _toServer = toServer;
        _writer = toServer.Writer.AsStream();
        _ = PumpAsync(new StreamReader(fromServer.Reader.AsStream(), new UTF8Encoding(false, throwOnInvalidBytes: true)));
    }

    public string Folder { get; }

    public string DatabasePath => Path.Combine(Folder, "ledger.db");

    public TokenLedger Ledger { get; }

    public static async Task<RawLineSession> StartAsync(string account = "alice", bool operatorMode = false)
    {
        var folder = Path.Combine(Path.GetTempPath(), "cycletokens-mcp-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var ledger = TokenLedger.Open(
            new LedgerOptions { DatabasePath = Path.Combine(folder, "ledger.db"), Synchronous = SynchronousMode.Normal },
            new FakeTimeProvider(McpTestServer.Start),
            new SequentialIdGenerator());
        var toServer = new Pipe();
        var fromServer = new Pipe();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddCycleTokensMcp(ledger, new ServerMode(account, operatorMode))
            .WithStreamServerTransport(toServer.Reader.AsStream(), fromServer.Writer.AsStream());
        var host = builder.Build();
        await host.StartAsync();
        var session = new RawLineSession(folder, ledger, host, toServer, fromServer);
        var (init, _) = await session.RequestAsync("""{"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""");
        Assert.True(init.ContainsKey("result"), init.ToJsonString());
        await session.SendLineAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        return session;
    }

    /// <summary>
    /// Sends a request (its JSON without jsonrpc and id, which are added) and returns the response to it, with every
    /// other line the server wrote meanwhile (answers to earlier malformed lines, notifications).
    /// </summary>
    public async Task<(JsonObject Response, IReadOnlyList<string> Other)> RequestAsync(string requestWithoutIdJson)
    {
        var id = Interlocked.Increment(ref _nextId);
        await SendLineAsync("{\"jsonrpc\":\"2.0\",\"id\":" + id + "," + requestWithoutIdJson.TrimStart()[1..]);
        var other = new List<string>();
        using var timeout = new CancellationTokenSource(Timeout);
        while (true)
        {
            var line = await _lines.Reader.ReadAsync(timeout.Token);
            if (TryParse(line) is { } message && message["id"] is JsonValue value && value.TryGetValue<int>(out var got) && got == id)
            {
                return (message, other);
            }

            other.Add(line);
        }
    }

    /// <summary>Calls a tool with raw JSON arguments text (which may hold anything, e.g. lone surrogate escapes).</summary>
    public Task<(JsonObject Response, IReadOnlyList<string> Other)> CallToolAsync(string tool, string argumentsJson) =>
        RequestAsync("{\"method\":\"tools/call\",\"params\":{\"name\":" + JsonSerializer.Serialize(tool) + ",\"arguments\":" + argumentsJson + "}}");

    public Task SendLineAsync(string line) => SendBytesAsync(Encoding.UTF8.GetBytes(line + "\n"));

    public async Task SendBytesAsync(byte[] bytes)
    {
        await _writer.WriteAsync(bytes);
        await _writer.FlushAsync();
    }

    /// <summary>The error text of a response: the JSON-RPC error's message, or the text of an isError result; null for a success.</summary>
    public static string? ErrorText(JsonObject response)
    {
        if (response["error"] is JsonObject error)
        {
            return error["message"]?.GetValue<string>() ?? string.Empty;
        }

        return response["result"]?["isError"]?.GetValue<bool>() == true
            ? string.Concat(response["result"]?["content"]?.AsArray().Select(c => c?["text"]?.GetValue<string>()) ?? [])
            : null;
    }

    public async ValueTask DisposeAsync()
    {
        await _toServer.Writer.CompleteAsync();
        await _host.StopAsync();
        _host.Dispose();
        Ledger.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private static JsonObject? TryParse(string line)
    {
        try
        {
            return JsonNode.Parse(line) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task PumpAsync(StreamReader reader)
    {
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                await _lines.Writer.WriteAsync(line);
            }
        }
        catch (DecoderFallbackException)
        {
            // Leaves the channel open: the next request times out and names the problem.
            await _lines.Writer.WriteAsync("<the server wrote bytes that are not UTF-8>");
        }
        finally
        {
            _lines.Writer.TryComplete();
        }
    }
}
