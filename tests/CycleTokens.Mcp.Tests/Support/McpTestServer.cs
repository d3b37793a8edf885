using System.IO.Pipelines;
using System.Text.Json;
using CycleTokens.Core;
using CycleTokens.Core.Keys;
using CycleTokens.Mcp.Hosting;
using CycleTokens.Mcp.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// The real CycleTokens MCP server (same registration as the executable) on a temporary ledger file with a fake clock,
/// connected to a real <see cref="McpClient"/> over in-memory pipes.
/// </summary>
internal sealed class McpTestServer : IAsyncDisposable
{
    public const string Legacy = "2025-11-25";
    public const string Modern = "2026-07-28";
    public static readonly DateTimeOffset Start = new(2026, 3, 15, 10, 0, 0, TimeSpan.Zero);

    private McpTestServer(string folder, TokenLedger ledger, FakeTimeProvider clock, IHost host, McpClient client)
    {
        Folder = folder;
        Ledger = ledger;
        Clock = clock;
        Host = host;
        Client = client;
    }

    public string Folder { get; }

    public string DatabasePath => Path.Combine(Folder, "ledger.db");

    public TokenLedger Ledger { get; }

    public FakeTimeProvider Clock { get; }

    public IHost Host { get; }

    public McpClient Client { get; }

    /// <summary>Starts a server for <paramref name="account"/> and a client speaking <paramref name="protocolVersion"/> (null: the client's default, 2026-07-28).</summary>
    /// <param name="budget">The stdio server's budget, as from --max-per-call, --max-per-day, --confirm-above.</param>
    /// <param name="wrapTransport">Optionally wraps the client's transport (outermost), e.g. with a <see cref="RecordingTransport"/>.</param>
    /// <param name="configureServices">Optionally adds to the server's services (e.g. a capturing logger provider).</param>
    /// <param name="hostOnTheFakeClock">
    /// The server's background services (the reservation sweeper, the balance watcher) run on the fake clock too, so a
    /// test drives their timers by advancing it; by default they run on the system clock, as most tests expect.
    /// </param>
    public static async Task<McpTestServer> StartAsync(
        string account = "alice",
        bool operatorMode = false,
        string? protocolVersion = Legacy,
        LoggingLevel? perRequestLogLevel = null,
        McpClientHandlers? handlers = null,
        LedgerOptions? options = null,
        Func<IClientTransport, IClientTransport>? wrapTransport = null,
        Action<IServiceCollection>? configureServices = null,
        KeyBudget? budget = null,
        bool hostOnTheFakeClock = false)
    {
        var folder = Path.Combine(Path.GetTempPath(), "cycletokens-mcp-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var clock = new FakeTimeProvider(Start);
        var ledgerOptions = (options ?? new LedgerOptions { DatabasePath = "unused" }) with { DatabasePath = Path.Combine(folder, "ledger.db") };
        // As the executable: the server always signs receipts, with a key file beside the ledger unless told otherwise.
        ledgerOptions = ledgerOptions with { ReceiptKeysPath = ledgerOptions.ReceiptKeysPath ?? Path.Combine(folder, "ledger.db.receipt-keys.json") };
        var ledger = TokenLedger.Open(ledgerOptions, clock, new SequentialIdGenerator());

        var clientToServer = new Pipe();
        var serverToClient = new Pipe();
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        if (hostOnTheFakeClock)
        {
            builder.Services.AddSingleton<TimeProvider>(clock);
        }

        builder.Services.AddCycleTokensMcp(ledger, new ServerMode(account, operatorMode) { Budget = budget ?? KeyBudget.None })
            .WithStreamServerTransport(clientToServer.Reader.AsStream(), serverToClient.Writer.AsStream());
        // Confirmations wait on the fake clock, so a test decides when the human's two minutes are up.
        builder.Services.AddSingleton(new Confirmation(clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<Confirmation>.Instance));
        configureServices?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();

        IClientTransport transport = new StreamClientTransport(clientToServer.Writer.AsStream(), serverToClient.Reader.AsStream());
        if (perRequestLogLevel is { } level)
        {
            transport = new LogLevelInjectingTransport(transport, level);
        }

        if (wrapTransport is not null)
        {
            transport = wrapTransport(transport);
        }

        var client = await McpClient.CreateAsync(transport, new McpClientOptions
        {
            ClientInfo = new Implementation { Name = "cycletokens-tests", Version = "1.0" },
            ProtocolVersion = protocolVersion,
            Handlers = handlers ?? new McpClientHandlers(),
        });
        return new McpTestServer(folder, ledger, clock, host, client);
    }

    /// <summary>Calls a tool with raw JSON arguments (e.g. <c>{"operation":"x"}</c>), exactly as a client would send them.</summary>
    public Task<CallToolResult> CallAsync(string tool, string argumentsJson = "{}") => Client.CallJsonAsync(tool, argumentsJson);

    /// <summary>Calls a tool that must succeed and returns its structured content.</summary>
    public Task<JsonElement> CallOkAsync(string tool, string argumentsJson = "{}") => Client.CallOkAsync(tool, argumentsJson);

    /// <summary>Calls a tool that must fail and returns its one-sentence message.</summary>
    public Task<string> CallErrorAsync(string tool, string argumentsJson = "{}") => Client.CallErrorAsync(tool, argumentsJson);

    public static string Text(CallToolResult result) =>
        string.Concat(result.Content.OfType<TextContentBlock>().Select(c => c.Text));

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Host.StopAsync();
        Host.Dispose();
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
