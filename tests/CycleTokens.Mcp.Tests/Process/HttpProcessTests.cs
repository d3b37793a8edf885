using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using CycleTokens.Mcp.Tests.Support;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Process;

/// <summary>The real executable as an HTTP service: a key made with the CLI, a charge over HTTP, and a clean stop on SIGTERM.</summary>
public sealed class HttpProcessTests
{
    [Fact]
    public async Task ServeHttp_WithAKeyFromTheCli_ChargesOverHttp_AndStopsCleanlyOnSigterm()
    {
        using var folder = new TempFolder();
        var db = folder.File("ledger.db");
        var secret = await CreateKeyAsync(db, "alice");
        var url = $"http://127.0.0.1:{FreePort()}";
        await using var server = ServerProcess.Start(ServerProcess.Server("serve", "--http", url, "--db", db));
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        await WaitHealthyAsync(http);

        await using (var client = await ConnectAsync(url, secret, protocolVersion: null))
        {
            var charge = await client.CallToolAsync("charge_for_operation", new Dictionary<string, object?> { ["operation"] = "model.export.step" });
            Assert.Equal(990, charge.StructuredContent!.Value.GetProperty("balance_after").GetInt64());
        }

        server.Terminate();
        Assert.Equal(0, await server.WaitForExitAsync());
        Assert.Empty(server.StdoutLines);
        Assert.DoesNotContain(server.StderrLines, l => l.Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARevocationByAnotherProcess_RefusesTheNextRequestOfAnOpenSession()
    {
        using var folder = new TempFolder();
        var db = folder.File("ledger.db");
        var created = JsonNode.Parse(await RunCliAsync("keys", "create", "alice", "--db", db, "--json"))!;
        var url = $"http://127.0.0.1:{FreePort()}";
        await using var server = ServerProcess.Start(ServerProcess.Server("serve", "--http", url, "--db", db));
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        await WaitHealthyAsync(http);
        await using var client = await ConnectAsync(url, created["secret"]!.GetValue<string>());
        await client.CallToolAsync("get_balance");

        await RunCliAsync("keys", "revoke", created["key_id"]!.GetValue<string>(), "--db", db);

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => client.CallToolAsync("charge_for_operation", new Dictionary<string, object?> { ["operation"] = "model.export.step" }).AsTask());
        Assert.Contains("401", refused.ToString(), StringComparison.Ordinal);
        server.Terminate();
        Assert.Equal(0, await server.WaitForExitAsync());
        Assert.Equal(1000, JsonNode.Parse(await RunCliAsync("balance", "alice", "--db", db, "--json"))!["balance"]!.GetValue<long>());
    }

    [Fact]
    public async Task Sigterm_FinishesARequestInFlight_BeforeTheProcessExits()
    {
        using var folder = new TempFolder();
        var db = folder.File("ledger.db");
        var secret = await CreateKeyAsync(db, "alice");
        var url = $"http://127.0.0.1:{FreePort()}";
        await using var server = ServerProcess.Start(ServerProcess.Server("serve", "--http", url, "--db", db));
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        await WaitHealthyAsync(http);
        await using var client = await ConnectAsync(url, secret);
        await client.CallToolAsync("get_balance");

        Task<CallToolResult> charge;
        await using (var holder = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Pooling=false"))
        {
            // Another writer holds the ledger's write lock, so the charge below waits inside the server.
            await holder.OpenAsync();
            using (var begin = holder.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE";
                await begin.ExecuteNonQueryAsync();
            }

            charge = client.CallToolAsync("charge_for_operation", new Dictionary<string, object?> { ["operation"] = "model.export.step", ["idempotency_key"] = "in-flight" }).AsTask();
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.False(charge.IsCompleted, "the charge should be waiting for the write lock");
            server.Terminate();
            await Task.Delay(TimeSpan.FromSeconds(1));
            using var rollback = holder.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }

        var result = await charge.WaitAsync(ServerProcess.Timeout);
        Assert.True(result.IsError is not true, McpTestServer.Text(result));
        Assert.Equal(990, result.StructuredContent!.Value.GetProperty("balance_after").GetInt64());
        Assert.Equal(0, await server.WaitForExitAsync());
        Assert.Equal(990, JsonNode.Parse(await RunCliAsync("balance", "alice", "--db", db, "--json"))!["balance"]!.GetValue<long>());
    }

    [Fact]
    public async Task Secrets_NeverReachTheLog_EvenAtVerbose()
    {
        using var folder = new TempFolder();
        var db = folder.File("ledger.db");
        var secret = await CreateKeyAsync(db, "alice");
        var revoked = JsonNode.Parse(await RunCliAsync("keys", "create", "alice", "--db", db, "--json"))!;
        await RunCliAsync("keys", "revoke", revoked["key_id"]!.GetValue<string>(), "--db", db);
        var url = $"http://127.0.0.1:{FreePort()}";
        var info = ServerProcess.Server("serve", "--http", url, "--db", db);
        info.Environment["CYCLETOKENS_LOG_LEVEL"] = "Verbose";
        await using var server = ServerProcess.Start(info);
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        await WaitHealthyAsync(http);

        await using (var client = await ConnectAsync(url, secret))
        {
            await client.CallToolAsync("charge_for_operation", new Dictionary<string, object?> { ["operation"] = "model.export.step" });
        }

        const string Unknown = "ctk_unknownunknownunknownunknownunknownunkno";
        foreach (var wrong in new[] { revoked["secret"]!.GetValue<string>(), Unknown, "not-a-key-at-all" })
        {
            using var refused = await PostInitializeAsync(http, wrong, "refused");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        server.Terminate();
        Assert.Equal(0, await server.WaitForExitAsync());
        Assert.Contains(server.StderrLines, l => l.Contains("Refused a credential", StringComparison.Ordinal));
        // The level took: the SDK's debug chatter (request by request) is in the log too.
        Assert.Contains(server.StderrLines, l => l.Contains(" DBG]", StringComparison.Ordinal) || l.Contains(" VRB]", StringComparison.Ordinal));
        foreach (var leaked in new[] { secret, revoked["secret"]!.GetValue<string>(), Unknown, "not-a-key-at-all" })
        {
            Assert.DoesNotContain(server.StderrLines, l => l.Contains(leaked, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task ServeHttp_LimitFlags_TakeEffect()
    {
        using var folder = new TempFolder();
        var db = folder.File("ledger.db");
        var secret = await CreateKeyAsync(db, "alice");
        var url = $"http://127.0.0.1:{FreePort()}";
        var info = ServerProcess.Server("serve", "--http", url, "--db", db, "--max-sessions-per-credential", "1", "--max-request-bytes", "2048");
        await using var server = ServerProcess.Start(info);
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        await WaitHealthyAsync(http);

        // The refused large one gives its session place back.
        using var large = await PostInitializeAsync(http, secret, new string('x', 4096));
        using var first = await PostInitializeAsync(http, secret, "small");
        using var second = await PostInitializeAsync(http, secret, "small");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
        server.Terminate();
        Assert.Equal(0, await server.WaitForExitAsync());
        Assert.Contains(server.StderrLines, l => l.Contains("1 sessions per credential", StringComparison.Ordinal) && l.Contains("body 2048 B", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ServeHttp_JwtSettings_FromFlagsAndEnvironment_AcceptTokensOfTheIdentityProvider()
    {
        using var folder = new TempFolder();
        await using var idp = await TestIdentityProvider.StartAsync();
        var url = $"http://127.0.0.1:{FreePort()}";
        var info = ServerProcess.Server("serve", "--http", url, "--db", folder.File("ledger.db"), "--jwt-authority", idp.Issuer, "--jwt-audience", TestIdentityProvider.Audience);
        info.Environment["CYCLETOKENS_JWT_ACCOUNT_CLAIM"] = "org";
        await using var server = ServerProcess.Start(info);
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        await WaitHealthyAsync(http);
        var token = idp.Token("alice", new Dictionary<string, object> { ["org"] = "acme" });

        var metadata = JsonNode.Parse(await http.GetStringAsync("/.well-known/oauth-protected-resource"))!;
        await using (var client = await McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = new Uri(url + "/mcp"),
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
            }),
            new McpClientOptions { ClientInfo = new Implementation { Name = "http-process-test", Version = "1.0" } }))
        {
            var charge = await client.CallToolAsync("charge_for_operation", new Dictionary<string, object?> { ["operation"] = "model.export.step" });
            Assert.Equal(990, charge.StructuredContent!.Value.GetProperty("balance_after").GetInt64());
        }

        server.Terminate();
        Assert.Equal(0, await server.WaitForExitAsync());
        Assert.Equal(idp.Issuer, metadata["authorization_servers"]![0]!.GetValue<string>());
        Assert.Contains(server.StderrLines, l => l.Contains("Also accepting JWT bearer tokens from " + idp.Issuer, StringComparison.Ordinal) && l.Contains("claim org", StringComparison.Ordinal));
        Assert.DoesNotContain(server.StderrLines, l => l.Contains(token.Split('.')[2], StringComparison.Ordinal));
    }

    [Fact]
    public async Task ServeHttp_WithAccountOrOperator_IsAUsageError()
    {
        using var folder = new TempFolder();
        await using var server = ServerProcess.Start(ServerProcess.Server("serve", "--http", "http://127.0.0.1:1", "--operator", "--db", folder.File("ledger.db")));

        Assert.Equal(2, await server.WaitForExitAsync());
        Assert.Contains(server.StderrLines, l => l.Contains("each request's API key decides", StringComparison.Ordinal));
        Assert.False(File.Exists(folder.File("ledger.db")));
    }

    private static async Task<string> RunCliAsync(params string[] args)
    {
        await using var cli = ServerProcess.Start(ServerProcess.Server(args));
        cli.CloseInput();
        Assert.Equal(0, await cli.WaitForExitAsync());
        return string.Join("\n", cli.StdoutLines);
    }

    private static async Task<string> CreateKeyAsync(string db, string account) =>
        JsonNode.Parse(await RunCliAsync("keys", "create", account, "--db", db, "--json"))!["secret"]!.GetValue<string>();

    private static Task<McpClient> ConnectAsync(string url, string secret, string? protocolVersion = McpTestServer.Legacy) =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = new Uri(url + "/mcp"),
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + secret },
            }),
            new McpClientOptions { ClientInfo = new Implementation { Name = "http-process-test", Version = "1.0" }, ProtocolVersion = protocolVersion });

    private static async Task<HttpResponseMessage> PostInitializeAsync(HttpClient http, string secret, string clientName)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":""" + "\"" + clientName + "\"" + ""","version":"1"}}}""",
                System.Text.Encoding.UTF8,
                "application/json"),
        };
        request.Headers.Add("Accept", "application/json, text/event-stream");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        return await http.SendAsync(request);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitHealthyAsync(HttpClient http)
    {
        using var timeout = new CancellationTokenSource(ServerProcess.Timeout);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync("/healthz", timeout.Token);
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
