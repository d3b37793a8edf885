using System.Net;
using System.Text.Json.Nodes;
using CycleTokens.Core.Keys;
using CycleTokens.Mcp.Http;
using CycleTokens.Mcp.Tests.Support;
using ModelContextProtocol;
using ModelContextProtocol.Client;

namespace CycleTokens.Mcp.Tests.Http;

/// <summary>
/// The HTTP server on a real Kestrel, driven by the SDK's Streamable HTTP client: credentials alone decide account and
/// role, and every refusal is an HTTP status that writes nothing.
/// </summary>
public sealed class HttpServerTests
{
    [Theory]
    [InlineData("2025-11-25")]
    [InlineData(null)]
    public async Task AgentKey_ChargesItsOwnAccount_AndSeesOnlyAgentTools(string? protocolVersion)
    {
        await using var server = await HttpTestServer.StartAsync();
        var secret = await server.KeyAsync("alice");
        await using var client = await server.ConnectAsync(secret, protocolVersion);

        var tools = await client.ListToolsAsync();
        var charge = await client.CallToolAsync("charge_for_operation", new Dictionary<string, object?> { ["operation"] = "model.export.step" });

        Assert.Equal(protocolVersion ?? "2026-07-28", client.NegotiatedProtocolVersion);
        Assert.True(charge.IsError is not true, McpTestServer.Text(charge));
        Assert.Equal(990, charge.StructuredContent!.Value.GetProperty("balance_after").GetInt64());
        Assert.DoesNotContain(tools, t => t.Name == "grant_tokens");
        Assert.Contains(tools, t => t.Name == "charge_for_operation");
        Assert.Equal(990, (await server.Ledger.GetBalanceAsync("alice")).Total);
    }

    [Fact]
    public async Task AgentKey_CannotCallAnOperatorTool_NorNameAnotherAccount()
    {
        await using var server = await HttpTestServer.StartAsync();
        await using var client = await server.ConnectAsync(await server.KeyAsync("alice"));
        await client.CallToolAsync("get_balance");
        using var fingerprint = new LedgerFingerprint(server.DatabasePath);
        var before = fingerprint.Take();

        var grant = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.CallToolAsync("grant_tokens", new Dictionary<string, object?> { ["account"] = "alice", ["amount"] = 1000 }).AsTask());
        var other = await client.CallToolAsync("charge_for_operation", new Dictionary<string, object?> { ["operation"] = "model.export.step", ["account"] = "bob" });

        Assert.Contains("Unknown tool", grant.Message, StringComparison.Ordinal);
        Assert.True(other.IsError);
        Assert.Equal(before, fingerprint.Take());
    }

    [Fact]
    public async Task OperatorKey_GetsTheOperatorTools_NamingAccounts()
    {
        await using var server = await HttpTestServer.StartAsync();
        await using var client = await server.ConnectAsync(await server.KeyAsync("ops", KeyRole.Operator));

        var tools = await client.ListToolsAsync();
        var grant = await client.CallToolAsync("grant_tokens", new Dictionary<string, object?> { ["account"] = "bob", ["amount"] = 500 });

        Assert.Contains(tools, t => t.Name == "grant_tokens");
        Assert.True(grant.IsError is not true, McpTestServer.Text(grant));
        Assert.Equal(1500, (await server.Ledger.GetBalanceAsync("bob")).Total);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("garbage")]
    [InlineData("ctk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("revoked")]
    [InlineData("expired")]
    public async Task MissingUnknownExpiredOrRevokedCredential_Is401WithTheMetadataPointer_AndWritesNothing(string? credential)
    {
        await using var server = await HttpTestServer.StartAsync();
        var secret = credential;
        if (credential == "revoked")
        {
            var created = await server.Ledger.CreateKeyAsync("alice");
            await server.Ledger.RevokeKeyAsync(created.Key.Id);
            secret = created.Secret;
        }
        else if (credential == "expired")
        {
            var created = await server.Ledger.CreateKeyAsync("alice", expiresInDays: 1);
            server.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
            secret = created.Secret;
        }

        using var fingerprint = new LedgerFingerprint(server.DatabasePath);
        var before = fingerprint.Take();

        using var response = await server.PostAsync(HttpTestServer.Initialize, secret);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains(ResourceMetadata.Path, challenge.Parameter, StringComparison.Ordinal);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("ctk_", body, StringComparison.Ordinal);
        if (credential is not null)
        {
            Assert.Contains(ApiKeyAuthenticationHandler.Refusal, body, StringComparison.Ordinal);
        }

        Assert.Equal(before, fingerprint.Take());
    }

    [Fact]
    public async Task Revocation_TakesEffectOnTheNextRequestOfAnOpenSession()
    {
        await using var server = await HttpTestServer.StartAsync();
        var created = await server.Ledger.CreateKeyAsync("alice");
        await using var client = await server.ConnectAsync(created.Secret);
        await client.CallToolAsync("get_balance");

        await server.Ledger.RevokeKeyAsync(created.Key.Id);

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => client.CallToolAsync("charge_for_operation", new Dictionary<string, object?> { ["operation"] = "model.export.step" }).AsTask());
        Assert.Contains("401", refused.ToString(), StringComparison.Ordinal);
        Assert.Equal(1000, (await server.Ledger.GetBalanceAsync("alice")).Total);
    }

    [Fact]
    public async Task ASessionIdPresentedWithAnotherKey_IsRefusedAsUnknown_AndChangesNothing()
    {
        await using var server = await HttpTestServer.StartAsync();
        var alice = await server.KeyAsync("alice");
        var mallory = await server.KeyAsync("alice");
        using var opened = await server.PostAsync(HttpTestServer.Initialize, alice);
        var sessionId = Assert.Single(opened.Headers.GetValues("Mcp-Session-Id"));
        using var fingerprint = new LedgerFingerprint(server.DatabasePath);
        var before = fingerprint.Take();

        using var hijack = await server.PostAsync(
            """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"charge_for_operation","arguments":{"operation":"model.export.step"}}}""", mallory, sessionId);

        Assert.Equal(HttpStatusCode.NotFound, hijack.StatusCode);
        Assert.Equal(before, fingerprint.Take());
    }

    [Fact]
    public async Task HealthReadinessAndResourceMetadata_NeedNoCredential()
    {
        await using var server = await HttpTestServer.StartAsync();

        using var health = await server.Http.GetAsync("/healthz");
        using var ready = await server.Http.GetAsync("/readyz");
        var metadata = JsonNode.Parse(await server.Http.GetStringAsync(ResourceMetadata.Path))!;

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(server.McpUri.ToString(), metadata["resource"]!.GetValue<string>());
        Assert.Equal("cycletokens:operator", metadata["scopes_supported"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Jwks_NeedsNoCredential_ListsOnlyPublicKeys_AndVerifiesTheReceiptOfAChargeOverHttp()
    {
        await using var server = await HttpTestServer.StartAsync();
        await using var client = await server.ConnectAsync(await server.KeyAsync("alice"));
        var charge = await client.CallOkAsync("charge_for_operation", """{"operation":"model.export.step"}""");

        using var response = await server.Http.GetAsync(HttpServer.JwksPath);
        var text = await response.Content.ReadAsStringAsync();
        var verification = Core.Receipts.ReceiptVerifier.Verify(charge.GetProperty("receipt").GetString()!, Core.Receipts.JwkSet.Parse(text));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/jwk-set+json", response.Content.Headers.ContentType?.MediaType);
        var key = Assert.Single(JsonNode.Parse(text)!["keys"]!.AsArray())!.AsObject();
        Assert.Equal(["kty", "crv", "x", "y", "kid", "alg", "use"], key.Select(member => member.Key));
        Assert.True(verification.IsValid);
        Assert.Equal(charge.GetProperty("transaction_id").GetString(), verification.Claims!.TransactionId);
    }

    [Fact]
    public async Task AnOversizedBody_Is413_AndWritesNothing()
    {
        await using var server = await HttpTestServer.StartAsync(HttpLimits.Default with { MaxRequestBodyBytes = 4096 });
        var secret = await server.KeyAsync("alice");
        using var fingerprint = new LedgerFingerprint(server.DatabasePath);
        var before = fingerprint.Take();

        using var response = await server.PostAsync(
            HttpTestServer.Initialize.Replace("\"raw\"", "\"" + new string('x', 8192) + "\"", StringComparison.Ordinal), secret);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(before, fingerprint.Take());
    }

    [Fact]
    public async Task OverTheRateLimit_Is429WithRetryAfter_PerCredential()
    {
        await using var server = await HttpTestServer.StartAsync(HttpLimits.Default with { RequestsPerSecond = 1, Burst = 3 });
        var alice = await server.KeyAsync("alice");
        var bob = await server.KeyAsync("bob");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await server.PostAsync(HttpTestServer.Initialize, alice);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.NotNull(response.Headers.RetryAfter);
            }
        }

        using var other = await server.PostAsync(HttpTestServer.Initialize, bob);

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Equal(HttpStatusCode.OK, statuses[0]);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task BalanceUpdates_ReachOnlyTheSessionsOfTheAccountConcerned()
    {
        await using var server = await HttpTestServer.StartAsync();
        await using var alice = await server.ConnectAsync(await server.KeyAsync("alice"));
        await using var bob = await server.ConnectAsync(await server.KeyAsync("bob"));
        var aliceUpdates = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bobUpdates = 0;
        await using var a = alice.RegisterNotificationHandler(ModelContextProtocol.Protocol.NotificationMethods.ResourceUpdatedNotification, (_, _) =>
        {
            aliceUpdates.TrySetResult();
            return ValueTask.CompletedTask;
        });
        await using var b = bob.RegisterNotificationHandler(ModelContextProtocol.Protocol.NotificationMethods.ResourceUpdatedNotification, (_, _) =>
        {
            Interlocked.Increment(ref bobUpdates);
            return ValueTask.CompletedTask;
        });
        await alice.SubscribeToResourceAsync("tokens://balance");
        await bob.SubscribeToResourceAsync("tokens://balance");

        await alice.CallToolAsync("charge_for_operation", new Dictionary<string, object?> { ["operation"] = "model.export.step" });
        await aliceUpdates.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // bob's own request after alice's update: any update for bob would have been sent before alice's call returned.
        await bob.CallToolAsync("get_balance");

        Assert.Equal(0, Volatile.Read(ref bobUpdates));
    }

    [Fact]
    public async Task AnAgentKey_CannotReachAnotherAccountsEscrow_ByToolOrResource()
    {
        await using var server = await HttpTestServer.StartAsync();
        var escrow = (await server.Ledger.CreateEscrowAsync("bob", new CycleTokens.Core.Escrows.EscrowRequest(100, "job-1", "fab-1"))).Escrow;
        await using var alice = await server.ConnectAsync(await server.KeyAsync("alice"));
        using var fingerprint = new LedgerFingerprint(server.DatabasePath);
        var before = fingerprint.Take();

        var byTool = await alice.CallToolAsync("get_escrow", new Dictionary<string, object?> { ["escrow_id"] = escrow.Id });
        var byResource = await Assert.ThrowsAsync<McpProtocolException>(() => alice.ReadResourceAsync("tokens://escrows/" + escrow.Id).AsTask());
        var release = await alice.CallToolAsync("release_escrow", new Dictionary<string, object?> { ["escrow_id"] = escrow.Id });

        Assert.True(byTool.IsError);
        Assert.True(release.IsError);
        // Told exactly what an escrow id that exists nowhere gets: nothing says it is bob's.
        Assert.DoesNotContain("bob", McpTestServer.Text(byTool), StringComparison.Ordinal);
        Assert.DoesNotContain("bob", byResource.Message, StringComparison.Ordinal);
        Assert.Equal(before, fingerprint.Take());
    }

    [Fact]
    public async Task TwoHundredSessionsOverTwentyAccounts_ChargingKeyed_LeaveExactBalancesAndAVerifyingLedger()
    {
        const int accounts = 20, sessionsPerAccount = 10, chargesPerSession = 3;
        await using var server = await HttpTestServer.StartAsync();
        var secrets = new List<(string Account, string Secret)>();
        for (var a = 0; a < accounts; a++)
        {
            for (var s = 0; s < sessionsPerAccount; s++)
            {
                secrets.Add(($"user{a:D2}", await server.KeyAsync($"user{a:D2}")));
            }
        }

        var clients = await Task.WhenAll(secrets.Select(k => server.ConnectAsync(k.Secret)));
        var charged = new long[clients.Length];
        try
        {
            await Task.WhenAll(clients.Select(async (client, i) =>
            {
                for (var c = 0; c < chargesPerSession; c++)
                {
                    var args = new Dictionary<string, object?> { ["operation"] = "model.export.step", ["idempotency_key"] = $"s{i}-c{c}" };
                    var first = await client.CallToolAsync("charge_for_operation", args);
                    // Every charge retried once with its key: applied once, the retry replays it.
                    var retry = await client.CallToolAsync("charge_for_operation", args);
                    Assert.True(first.IsError is not true, McpTestServer.Text(first));
                    Assert.Equal(first.StructuredContent!.Value.GetProperty("transaction_id").GetString(), retry.StructuredContent!.Value.GetProperty("transaction_id").GetString());
                    // Repeats of an operation may get the cache discount: what each charge took is what it says.
                    charged[i] += first.StructuredContent!.Value.GetProperty("charged").GetInt64();
                }
            }));
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }

        for (var a = 0; a < accounts; a++)
        {
            var account = $"user{a:D2}";
            var spent = Enumerable.Range(0, clients.Length).Where(i => secrets[i].Account == account).Sum(i => charged[i]);
            Assert.Equal(1000 - spent, (await server.Ledger.GetBalanceAsync(account)).Total);
            var usage = Assert.Single((await server.Ledger.GetUsageAsync(account)).ByOperation);
            Assert.Equal(sessionsPerAccount * chargesPerSession, usage.Count);
            Assert.Equal(spent, usage.TotalTokens);
        }

        var report = await server.Ledger.VerifyAsync();
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(0, report.PostingsSum);
    }
}
