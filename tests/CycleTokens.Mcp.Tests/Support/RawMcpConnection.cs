using System.IO.Pipelines;
using System.Text;
using System.Text.Json.Nodes;
using CycleTokens.Core;
using CycleTokens.Mcp.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// The real server (same registration as the executable) spoken to in raw JSON-RPC lines, for messages the C# client
/// cannot produce (e.g. strings with unpaired surrogates, which it refuses to serialise). Sends a 2025-11-25 handshake.
/// </summary>
internal sealed class RawMcpConnection : IAsyncDisposable
{
    private readonly Pipe _toServer;
    private readonly StreamReader _reader;
    private readonly Stream _writer;
    private readonly IHost _host;
    private int _nextId;

    private RawMcpConnection(string folder, TokenLedger ledger, IHost host, Pipe toServer, Pipe fromServer)
    {
        Folder = folder;
        Ledger = ledger;
        _host = host;
        _toServer = toServer;
        _reader = new StreamReader(fromServer.Reader.AsStream(), Encoding.UTF8);
        _writer = toServer.Writer.AsStream();
    }

    public string Folder { get; }

    public TokenLedger Ledger { get; }

    public static async Task<RawMcpConnection> StartAsync(string account = "alice", Action<IServiceCollection>? configureServices = null)
    {
        var folder = Path.Combine(Path.GetTempPath(), "cycletokens-mcp-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var ledger = TokenLedger.Open(new LedgerOptions { DatabasePath = Path.Combine(folder, "ledger.db") }, new FakeTimeProvider(McpTestServer.Start), new SequentialIdGenerator());
        var toServer = new Pipe();
        var fromServer = new Pipe();
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddCycleTokensMcp(ledger, new ServerMode(account, Operator: false))
            .WithStreamServerTransport(toServer.Reader.AsStream(), fromServer.Writer.AsStream());
        configureServices?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        var connection = new RawMcpConnection(folder, ledger, host, toServer, fromServer);
        await connection.RequestAsync("""{"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""");
        await connection.SendLineAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        return connection;
    }

    /// <summary>Sends a request (its JSON without jsonrpc and id, which are added) and returns the response to it.</summary>
    public async Task<JsonObject> RequestAsync(string requestWithoutIdJson)
    {
        var id = Interlocked.Increment(ref _nextId);
        var line = "{\"jsonrpc\":\"2.0\",\"id\":" + id + "," + requestWithoutIdJson.TrimStart()[1..];
        await SendLineAsync(line);
        while (true)
        {
            var text = await _reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30))
                ?? throw new Xunit.Sdk.XunitException("the server closed its output");
            if (JsonNode.Parse(text) is JsonObject message && message["id"]?.GetValue<int>() == id)
            {
                return message;
            }
        }
    }

    public async Task SendLineAsync(string line)
    {
        await _writer.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"));
        await _writer.FlushAsync();
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
}
