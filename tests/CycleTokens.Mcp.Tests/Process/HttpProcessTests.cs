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
        await using (var create = ServerProcess.Start(ServerProcess.Server("keys", "create", "alice", "--db", db, "--json")))
        {
            create.CloseInput();
            Assert.Equal(0, await create.WaitForExitAsync());
            var secret = JsonNode.Parse(string.Join("\n", create.StdoutLines))!["secret"]!.GetValue<string>();

            var url = $"http://127.0.0.1:{FreePort()}";
            await using var server = ServerProcess.Start(ServerProcess.Server("serve", "--http", url, "--db", db));
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            await WaitHealthyAsync(http);

            await using (var client = await McpClient.CreateAsync(
                new HttpClientTransport(new HttpClientTransportOptions
                {
                    Endpoint = new Uri(url + "/mcp"),
                    TransportMode = HttpTransportMode.StreamableHttp,
                    AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + secret },
                }),
                new McpClientOptions { ClientInfo = new Implementation { Name = "http-process-test", Version = "1.0" } }))
            {
                var charge = await client.CallToolAsync("charge_for_operation", new Dictionary<string, object?> { ["operation"] = "model.export.step" });
                Assert.Equal(990, charge.StructuredContent!.Value.GetProperty("balance_after").GetInt64());
            }

            server.Terminate();
            Assert.Equal(0, await server.WaitForExitAsync());
            Assert.Empty(server.StdoutLines);
            Assert.DoesNotContain(server.StderrLines, l => l.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task ServeHttp_LimitFlags_TakeEffect()
    {
        using var folder = new TempFolder();
        var db = folder.File("ledger.db");
        await using var create = ServerProcess.Start(ServerProcess.Server("keys", "create", "alice", "--db", db, "--json"));
        create.CloseInput();
        Assert.Equal(0, await create.WaitForExitAsync());
        var secret = JsonNode.Parse(string.Join("\n", create.StdoutLines))!["secret"]!.GetValue<string>();

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
