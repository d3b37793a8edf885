using System.Net;
using System.Text.Json.Nodes;
using CycleTokens.Core.Keys;
using CycleTokens.Mcp.Http;
using CycleTokens.Mcp.Tests.Support;

namespace CycleTokens.Mcp.Tests.Http;

/// <summary>
/// The OAuth 2.1 resource-server mode: JWTs from a local identity provider (a real Kestrel on loopback, with a key
/// generated for the test) are accepted beside API keys, mapped to account and role, bound to sessions by subject,
/// and refused with the same 401 as a bad key, writing nothing.
/// </summary>
public sealed class JwtAuthenticationTests
{
    private const string Initialized = """{"jsonrpc":"2.0","method":"notifications/initialized"}""";

    private const string Charge =
        """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"charge_for_operation","arguments":{"operation":"model.export.step"}}}""";

    [Theory]
    [InlineData("2025-11-25")]
    [InlineData(null)]
    public async Task AgentToken_ChargesItsOwnAccount_AndSeesOnlyAgentTools(string? protocolVersion)
    {
        await using var idp = await TestIdentityProvider.StartAsync();
        await using var server = await HttpTestServer.StartAsync(jwt: idp.Settings());
        await using var client = await server.ConnectAsync(idp.Token("alice", Scope("openid profile")), protocolVersion);

        var tools = await client.ListToolsAsync();
        var charge = await client.CallToolAsync("charge_for_operation", new Dictionary<string, object?> { ["operation"] = "model.export.step" });

        Assert.Equal(protocolVersion ?? "2026-07-28", client.NegotiatedProtocolVersion);
        Assert.True(charge.IsError is not true, McpTestServer.Text(charge));
        Assert.Equal(990, charge.StructuredContent!.Value.GetProperty("balance_after").GetInt64());
        Assert.DoesNotContain(tools, t => t.Name == "grant_tokens");
        Assert.Equal(990, (await server.Ledger.GetBalanceAsync("alice")).Total);
    }

    [Theory]
    [InlineData("scope")]
    [InlineData("scp")]
    public async Task OperatorScope_GetsTheOperatorTools(string claim)
    {
        await using var idp = await TestIdentityProvider.StartAsync();
        await using var server = await HttpTestServer.StartAsync(jwt: idp.Settings());
        // "scope" as the space-separated string of RFC 9068; "scp" as the array some providers send.
        object scopes = claim == "scope" ? "openid cycletokens:operator" : new[] { "openid", "cycletokens:operator" };
        await using var client = await server.ConnectAsync(idp.Token("ops", new Dictionary<string, object> { [claim] = scopes }));

        var tools = await client.ListToolsAsync();
        var grant = await client.CallToolAsync("grant_tokens", new Dictionary<string, object?> { ["account"] = "bob", ["amount"] = 500 });

        Assert.Contains(tools, t => t.Name == "grant_tokens");
        Assert.True(grant.IsError is not true, McpTestServer.Text(grant));
        Assert.Equal(1500, (await server.Ledger.GetBalanceAsync("bob")).Total);
    }

    [Fact]
    public async Task AScopeThatOnlyContainsTheOperatorScopesName_IsAnAgent()
    {
        await using var idp = await TestIdentityProvider.StartAsync();
        await using var server = await HttpTestServer.StartAsync(jwt: idp.Settings());
        await using var client = await server.ConnectAsync(idp.Token("alice", Scope("cycletokens:operator-lite xcycletokens:operator")));

        var tools = await client.ListToolsAsync();

        Assert.DoesNotContain(tools, t => t.Name == "grant_tokens");
    }

    [Theory]
    [InlineData("expired")]
    [InlineData("wrong audience")]
    [InlineData("wrong issuer")]
    [InlineData("another key")]
    [InlineData("unsigned")]
    [InlineData("no account claim")]
    [InlineData("account not an account id")]
    [InlineData("reserved account")]
    [InlineData("several accounts")]
    [InlineData("garbage")]
    public async Task ARefusedToken_Is401WithTheMetadataPointer_AndWritesNothing(string kind)
    {
        await using var idp = await TestIdentityProvider.StartAsync();
        await using var server = await HttpTestServer.StartAsync(jwt: idp.Settings());
        var token = BadToken(idp, kind);
        using var fingerprint = new LedgerFingerprint(server.DatabasePath);
        var before = fingerprint.Take();

        using var initialize = await server.PostAsync(HttpTestServer.Initialize, token);
        using var charge = await server.PostAsync(Charge, token, protocolVersion: "2026-07-28");

        foreach (var response in new[] { initialize, charge })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            var challenge = Assert.Single(response.Headers.WwwAuthenticate);
            Assert.Equal("Bearer", challenge.Scheme);
            // Only the pointer to the metadata: no error_description saying what was wrong with the token.
            Assert.Equal($"resource_metadata=\"{new Uri(server.BaseUri, ResourceMetadata.Path)}\"", challenge.Parameter);
            Assert.Equal("""{"error":"invalid or expired credential"}""", await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(before, fingerprint.Take());
    }

    [Fact]
    public async Task WhileTheAuthorityIsUnreachable_TokensAreRefused_AndNothingIsWritten()
    {
        var idp = await TestIdentityProvider.StartAsync();
        var settings = idp.Settings();
        var token = idp.Token("alice");
        // Stopped before the server ever fetched its keys: the port is closed, so the fetch fails at once.
        await idp.DisposeAsync();
        await using var server = await HttpTestServer.StartAsync(jwt: settings);
        using var fingerprint = new LedgerFingerprint(server.DatabasePath);
        var before = fingerprint.Take();

        using var response = await server.PostAsync(Charge, token, protocolVersion: "2026-07-28");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("""{"error":"invalid or expired credential"}""", await response.Content.ReadAsStringAsync());
        Assert.Equal(before, fingerprint.Take());
    }

    [Fact]
    public async Task ASessionOpenedByOneSubject_IsRefusedToAnother_EvenOfTheSameAccount_AndARefreshedTokenContinuesIt()
    {
        await using var idp = await TestIdentityProvider.StartAsync();
        // The account comes from an organisation claim, so two people share it: the session is still only its opener's.
        await using var server = await HttpTestServer.StartAsync(jwt: idp.Settings(accountClaim: "org"));
        var org = new Dictionary<string, object> { ["org"] = "acme" };
        using var opened = await server.PostAsync(HttpTestServer.Initialize, idp.Token("alice", org));
        var sessionId = Assert.Single(opened.Headers.GetValues("Mcp-Session-Id"));
        using var initialized = await server.PostAsync(Initialized, idp.Token("alice", org), sessionId);
        using var fingerprint = new LedgerFingerprint(server.DatabasePath);
        var before = fingerprint.Take();

        using var hijack = await server.PostAsync(Charge, idp.Token("mallory", org), sessionId);
        var afterHijack = fingerprint.Take();
        using var refreshed = await server.PostAsync(Charge, idp.Token("alice", org), sessionId);

        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, initialized.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, hijack.StatusCode);
        Assert.Equal(before, afterHijack);
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        Assert.Contains("balance_after", await refreshed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(990, (await server.Ledger.GetBalanceAsync("acme")).Total);
    }

    [Fact]
    public async Task AnApiKeySession_IsRefusedToATokenOfTheSameAccount()
    {
        await using var idp = await TestIdentityProvider.StartAsync();
        await using var server = await HttpTestServer.StartAsync(jwt: idp.Settings());
        using var opened = await server.PostAsync(HttpTestServer.Initialize, await server.KeyAsync("alice"));
        var sessionId = Assert.Single(opened.Headers.GetValues("Mcp-Session-Id"));
        using var fingerprint = new LedgerFingerprint(server.DatabasePath);
        var before = fingerprint.Take();

        using var hijack = await server.PostAsync(Charge, idp.Token("alice"), sessionId);

        Assert.Equal(HttpStatusCode.NotFound, hijack.StatusCode);
        Assert.Equal(before, fingerprint.Take());
    }

    [Fact]
    public async Task ResourceMetadata_ListsTheAuthority()
    {
        await using var idp = await TestIdentityProvider.StartAsync();
        await using var server = await HttpTestServer.StartAsync(jwt: idp.Settings());

        var metadata = JsonNode.Parse(await server.Http.GetStringAsync(ResourceMetadata.Path))!;

        Assert.Equal(server.McpUri.ToString(), metadata["resource"]!.GetValue<string>());
        Assert.Equal(idp.Issuer, Assert.Single(metadata["authorization_servers"]!.AsArray())!.GetValue<string>());
        Assert.Equal(ResourceMetadata.OperatorScope, Assert.Single(metadata["scopes_supported"]!.AsArray())!.GetValue<string>());
    }

    [Fact]
    public async Task ApiKeys_StillWork_WhenJwtIsConfigured()
    {
        await using var idp = await TestIdentityProvider.StartAsync();
        await using var server = await HttpTestServer.StartAsync(jwt: idp.Settings());
        await using var agent = await server.ConnectAsync(await server.KeyAsync("alice"));
        await using var op = await server.ConnectAsync(await server.KeyAsync("ops", KeyRole.Operator));
        using var fingerprint = new LedgerFingerprint(server.DatabasePath);

        var charge = await agent.CallToolAsync("charge_for_operation", new Dictionary<string, object?> { ["operation"] = "model.export.step" });
        var grant = await op.CallToolAsync("grant_tokens", new Dictionary<string, object?> { ["account"] = "bob", ["amount"] = 500 });
        var before = fingerprint.Take();
        using var unknown = await server.PostAsync(HttpTestServer.Initialize, "ctk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        using var none = await server.PostAsync(HttpTestServer.Initialize, secret: null);

        Assert.True(charge.IsError is not true, McpTestServer.Text(charge));
        Assert.True(grant.IsError is not true, McpTestServer.Text(grant));
        Assert.Equal(990, (await server.Ledger.GetBalanceAsync("alice")).Total);
        Assert.Equal(1500, (await server.Ledger.GetBalanceAsync("bob")).Total);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal("""{"error":"invalid or expired credential"}""", await unknown.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Contains(ResourceMetadata.Path, Assert.Single(none.Headers.WwwAuthenticate).Parameter, StringComparison.Ordinal);
        Assert.Equal(before, fingerprint.Take());
    }

    [Fact]
    public async Task Tokens_NeverReachTheLog_AcceptedOrRefused()
    {
        await using var idp = await TestIdentityProvider.StartAsync();
        var sink = new CapturingSink();
        string[] kinds = ["expired", "wrong audience", "wrong issuer", "another key", "unsigned", "no account claim", "account not an account id", "garbage"];
        var tokens = kinds.Select(kind => BadToken(idp, kind)).Append(idp.Token("alice")).ToList();
        await using (var server = await HttpTestServer.StartAsync(jwt: idp.Settings(), log: sink.Logger()))
        {
            foreach (var token in tokens)
            {
                using var response = await server.PostAsync(HttpTestServer.Initialize, token);
            }
        }

        var log = string.Join("\n", sink.Events);
        Assert.Contains("Refused a JWT (\"SecurityTokenExpiredException\")", log, StringComparison.Ordinal);
        foreach (var token in tokens)
        {
            // Neither the whole token nor any of its parts (header, claims, signature).
            foreach (var part in token.Split('.').Where(p => p.Length >= 16).Append(token))
            {
                Assert.DoesNotContain(part, log, StringComparison.Ordinal);
            }
        }
    }

    private static Dictionary<string, object> Scope(string scope) => new() { ["scope"] = scope };

    private static string BadToken(TestIdentityProvider idp, string kind) => kind switch
    {
        "expired" => idp.Token("alice", expired: true),
        "wrong audience" => idp.Token("alice", audience: "https://another.test/api"),
        "wrong issuer" => idp.Token("alice", issuer: "https://issuer.invalid"),
        "another key" => idp.Token("alice", otherKey: true),
        "unsigned" => idp.Token("alice", unsigned: true),
        "no account claim" => idp.Token(subject: null),
        "account not an account id" => idp.Token("auth0|alice smith"),
        "reserved account" => idp.Token("system:grants"),
        "several accounts" => idp.Token(subject: null, new Dictionary<string, object> { ["sub"] = new[] { "alice", "bob" } }),
        "garbage" => "not-a-jwt-at-all-but-long-enough",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
