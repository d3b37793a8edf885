using System.Net.Http.Headers;
using CycleTokens.Core;
using CycleTokens.Core.Keys;
using CycleTokens.Core.Tests.Support;
using CycleTokens.Mcp.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>The real HTTP server (Kestrel on a free loopback port) over a ledger in a temp folder, and clients for it.</summary>
internal sealed class HttpTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TempFolder _folder;

    private HttpTestServer(WebApplication app, TokenLedger ledger, TempFolder folder, Uri baseUri, FakeTimeProvider time)
    {
        Time = time;
        _app = app;
        Ledger = ledger;
        _folder = folder;
        BaseUri = baseUri;
        Http = new HttpClient { BaseAddress = baseUri };
    }

    /// <summary>A raw 2025-11-25 initialize request, which opens a session when accepted.</summary>
    public const string Initialize =
        """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""";

    public TokenLedger Ledger { get; }

    /// <summary>The clock of the ledger and of the idle-session sweep.</summary>
    public FakeTimeProvider Time { get; }

    /// <summary>The server's services (to reach its session bookkeeping).</summary>
    public IServiceProvider Services => _app.Services;

    public Uri BaseUri { get; }

    public Uri McpUri => new(BaseUri, HttpServer.McpPath);

    /// <summary>A plain HTTP client for the server, with no credential.</summary>
    public HttpClient Http { get; }

    public string DatabasePath => Ledger.DatabasePath;

    /// <summary>Starts a server; with <paramref name="jwt"/> it also accepts JWTs, and <paramref name="log"/> gets its log (none when null).</summary>
    public static async Task<HttpTestServer> StartAsync(HttpLimits? limits = null, JwtSettings? jwt = null, Serilog.ILogger? log = null)
    {
        var folder = new TempFolder();
        var time = new FakeTimeProvider(McpTestServer.Start);
        var ledger = TokenLedger.Open(new LedgerOptions { DatabasePath = folder.File("ledger.db"), ReceiptKeysPath = folder.File("ledger.db.receipt-keys.json") }, time, new SequentialIdGenerator());
        var app = HttpServer.Build(ledger, new Uri("http://127.0.0.1:0"), limits ?? HttpLimits.Default, log ?? new Serilog.LoggerConfiguration().CreateLogger(), folder.Path, time, jwt);
        await app.StartAsync();
        return new HttpTestServer(app, ledger, folder, new Uri(app.Urls.First()), time);
    }

    /// <summary>Creates a key and returns its secret.</summary>
    public async Task<string> KeyAsync(string account, KeyRole role = KeyRole.Agent) => (await Ledger.CreateKeyAsync(account, role)).Secret;

    /// <summary>An MCP client over the SDK's Streamable HTTP transport, presenting <paramref name="secret"/> (a key or a JWT).</summary>
    /// <param name="wrapTransport">Optionally wraps the client's transport (e.g. with a <see cref="RecordingTransport"/>).</param>
    public Task<McpClient> ConnectAsync(
        string secret, string? protocolVersion = McpTestServer.Legacy, McpClientHandlers? handlers = null, Func<IClientTransport, IClientTransport>? wrapTransport = null)
    {
        IClientTransport transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = McpUri,
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + secret },
        });
        return McpClient.CreateAsync(
            wrapTransport?.Invoke(transport) ?? transport,
            new McpClientOptions { ClientInfo = new Implementation { Name = "cycletokens-http-tests", Version = "1.0" }, ProtocolVersion = protocolVersion, Handlers = handlers ?? new() });
    }

    /// <summary>A raw JSON-RPC POST to /mcp.</summary>
    public async Task<HttpResponseMessage> PostAsync(string body, string? secret, string? sessionId = null, string protocolVersion = McpTestServer.Legacy)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, HttpServer.McpPath) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Add("MCP-Protocol-Version", protocolVersion);
        if (secret is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        }

        if (sessionId is not null)
        {
            request.Headers.Add("Mcp-Session-Id", sessionId);
        }

        return await Http.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Ledger.Dispose();
        _folder.Dispose();
    }
}
