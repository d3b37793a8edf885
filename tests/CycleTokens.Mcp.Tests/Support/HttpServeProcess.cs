using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>The real executable as <c>serve --http</c> on a free loopback port, healthy before it is returned, and its CLI.</summary>
internal sealed class HttpServeProcess : IAsyncDisposable
{
    private HttpServeProcess(ServerProcess process, string url)
    {
        Process = process;
        Url = url;
        Http = new HttpClient { BaseAddress = new Uri(url) };
    }

    public ServerProcess Process { get; }

    /// <summary>Scheme, host and port, no path.</summary>
    public string Url { get; }

    /// <summary>A plain HTTP client for the server, with no credential.</summary>
    public HttpClient Http { get; }

    private static readonly HashSet<string> SharedKeyFiles = new(StringComparer.Ordinal);

    /// <summary>Starts <c>serve --http URL --db DB</c> with <paramref name="args"/> and <paramref name="environment"/>, and waits for /healthz.</summary>
    public static async Task<HttpServeProcess> StartAsync(string db, IEnumerable<string>? args = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var url = $"http://127.0.0.1:{FreePort()}";
        args ??= [];
        if (Core.LedgerOptions.IsPostgresLocation(db) && !args.Contains("--receipt-keys"))
        {
            // A PostgreSQL ledger has no file to keep the receipt key beside: the hosts of one database share one key file.
            var name = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(db)))[..16];
            args = [.. args, "--receipt-keys", SharedReceiptKeys(name)];
        }

        var info = ServerProcess.Server(["serve", "--http", url, "--db", db, .. args]);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var served = new HttpServeProcess(ServerProcess.Start(info), url);
        await served.WaitHealthyAsync();
        return served;
    }

    /// <summary>
    /// The receipt key file the hosts of one PostgreSQL database share, deleted when the test run ends (the databases
    /// themselves are dropped by their tests).
    /// </summary>
    private static string SharedReceiptKeys(string name)
    {
        var path = Path.Combine(Path.GetTempPath(), $"cycletokens-test-receipts-{name}.json");
        lock (SharedKeyFiles)
        {
            if (SharedKeyFiles.Add(path) && SharedKeyFiles.Count == 1)
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                {
                    lock (SharedKeyFiles)
                    {
                        foreach (var file in SharedKeyFiles)
                        {
                            File.Delete(file);
                        }
                    }
                };
            }
        }

        return path;
    }

    /// <summary>Runs the CLI to the end (exit 0 asserted) and returns its stdout.</summary>
    public static async Task<string> CliAsync(params string[] args)
    {
        await using var cli = ServerProcess.Start(ServerProcess.Server(args));
        cli.CloseInput();
        Assert.Equal(0, await cli.WaitForExitAsync());
        return string.Join("\n", cli.StdoutLines);
    }

    /// <summary>Creates an agent key with the CLI and returns the CLI's JSON (secret, key_id, ...).</summary>
    public static async Task<JsonNode> CreateKeyAsync(string db, string account) =>
        JsonNode.Parse(await CliAsync("keys", "create", account, "--db", db, "--json"))!;

    /// <summary>The balance of <paramref name="account"/>, read with the CLI.</summary>
    public static async Task<long> BalanceAsync(string db, string account) =>
        JsonNode.Parse(await CliAsync("balance", account, "--db", db, "--json"))!["balance"]!.GetValue<long>();

    /// <summary>An SDK client over Streamable HTTP presenting <paramref name="credential"/> (a key or a JWT).</summary>
    public Task<McpClient> ConnectAsync(string credential, string? protocolVersion = McpTestServer.Legacy) =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = new Uri(Url + "/mcp"),
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + credential },
            }),
            new McpClientOptions { ClientInfo = new Implementation { Name = "http-process-test", Version = "1.0" }, ProtocolVersion = protocolVersion });

    /// <summary>A raw 2025-11-25 initialize POST with <paramref name="credential"/> and a client name (to size the body).</summary>
    public async Task<HttpResponseMessage> PostInitializeAsync(string credential, string clientName)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":""" + "\"" + clientName + "\"" + ""","version":"1"}}}""",
                System.Text.Encoding.UTF8,
                "application/json"),
        };
        request.Headers.Add("Accept", "application/json, text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        return await Http.SendAsync(request);
    }

    /// <summary>SIGTERM, and the exit code.</summary>
    public Task<int> StopAsync()
    {
        Process.Terminate();
        return Process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Process.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task WaitHealthyAsync()
    {
        using var timeout = new CancellationTokenSource(ServerProcess.Timeout);
        while (true)
        {
            try
            {
                using var response = await Http.GetAsync("/healthz", timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(50, timeout.Token);
        }
    }
}
