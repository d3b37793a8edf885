using System.Net;
using System.Text.Json.Nodes;
using CycleTokens.Core.Tests.Support;
using CycleTokens.Mcp.Tests.Support;
using ModelContextProtocol.Protocol;
using static CycleTokens.Mcp.Tests.Support.HttpServeProcess;

namespace CycleTokens.Mcp.Tests.Process;

/// <summary>The real executable as an HTTP service: keys made with the CLI, charges over HTTP, and a clean stop on SIGTERM.</summary>
public sealed class HttpProcessTests
{
    private static readonly Dictionary<string, object?> Export = new() { ["operation"] = "model.export.step" };

    [Fact]
    public async Task ServeHttp_WithAKeyFromTheCli_ChargesOverHttp_AndStopsCleanlyOnSigterm()
    {
        using var folder = new TempFolder();
        var db = folder.File("ledger.db");
        var secret = (await CreateKeyAsync(db, "alice"))["secret"]!.GetValue<string>();
        await using var server = await StartAsync(db);

        await using (var client = await server.ConnectAsync(secret, protocolVersion: null))
        {
            var charge = await client.CallToolAsync("charge_for_operation", Export);
            Assert.Equal(990, charge.StructuredContent!.Value.GetProperty("balance_after").GetInt64());
        }

        Assert.Equal(0, await server.StopAsync());
        Assert.Empty(server.Process.StdoutLines);
        Assert.DoesNotContain(server.Process.StderrLines, l => l.Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARevocationByAnotherProcess_RefusesTheNextRequestOfAnOpenSession()
    {
        using var folder = new TempFolder();
        var db = folder.File("ledger.db");
        var created = await CreateKeyAsync(db, "alice");
        await using var server = await StartAsync(db);
        await using var client = await server.ConnectAsync(created["secret"]!.GetValue<string>());
        await client.CallToolAsync("get_balance");

        await CliAsync("keys", "revoke", created["key_id"]!.GetValue<string>(), "--db", db);

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => client.CallToolAsync("charge_for_operation", Export).AsTask());
        Assert.Contains("401", refused.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, await server.StopAsync());
        Assert.Equal(1000, await BalanceAsync(db, "alice"));
    }

    [Fact]
    public async Task Sigterm_FinishesARequestInFlight_BeforeTheProcessExits()
    {
        using var folder = new TempFolder();
        var db = folder.File("ledger.db");
        var secret = (await CreateKeyAsync(db, "alice"))["secret"]!.GetValue<string>();
        await using var server = await StartAsync(db);
        await using var client = await server.ConnectAsync(secret);
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

            charge = client.CallToolAsync("charge_for_operation", new Dictionary<string, object?>(Export) { ["idempotency_key"] = "in-flight" }).AsTask();
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.False(charge.IsCompleted, "the charge should be waiting for the write lock");
            server.Process.Terminate();
            await Task.Delay(TimeSpan.FromSeconds(1));
            using var rollback = holder.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }

        var result = await charge.WaitAsync(ServerProcess.Timeout);
        Assert.True(result.IsError is not true, McpTestServer.Text(result));
        Assert.Equal(990, result.StructuredContent!.Value.GetProperty("balance_after").GetInt64());
        Assert.Equal(0, await server.Process.WaitForExitAsync());
        Assert.Equal(990, await BalanceAsync(db, "alice"));
    }

    [Fact]
    public async Task Secrets_NeverReachTheLog_EvenAtVerbose()
    {
        using var folder = new TempFolder();
        var db = folder.File("ledger.db");
        var secret = (await CreateKeyAsync(db, "alice"))["secret"]!.GetValue<string>();
        var revoked = await CreateKeyAsync(db, "alice");
        await CliAsync("keys", "revoke", revoked["key_id"]!.GetValue<string>(), "--db", db);
        await using var server = await StartAsync(db, environment: new Dictionary<string, string> { ["CYCLETOKENS_LOG_LEVEL"] = "Verbose" });

        await using (var client = await server.ConnectAsync(secret))
        {
            await client.CallToolAsync("charge_for_operation", Export);
        }

        string[] refusedCredentials = [revoked["secret"]!.GetValue<string>(), "ctk_unknownunknownunknownunknownunknownunkno", "not-a-key-at-all"];
        foreach (var wrong in refusedCredentials)
        {
            using var refused = await server.PostInitializeAsync(wrong, "refused");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        Assert.Equal(0, await server.StopAsync());
        var log = server.Process.StderrLines;
        Assert.Contains(log, l => l.Contains("Refused a credential", StringComparison.Ordinal));
        // The level took: the SDK's debug chatter (request by request) is in the log too.
        Assert.Contains(log, l => l.Contains(" DBG]", StringComparison.Ordinal) || l.Contains(" VRB]", StringComparison.Ordinal));
        foreach (var leaked in refusedCredentials.Append(secret))
        {
            Assert.DoesNotContain(log, l => l.Contains(leaked, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task ServeHttp_LimitFlags_TakeEffect()
    {
        using var folder = new TempFolder();
        var db = folder.File("ledger.db");
        var secret = (await CreateKeyAsync(db, "alice"))["secret"]!.GetValue<string>();
        await using var server = await StartAsync(db, ["--max-sessions-per-credential", "1", "--max-request-bytes", "2048"]);

        // The refused large one gives its session place back.
        using var large = await server.PostInitializeAsync(secret, new string('x', 4096));
        using var first = await server.PostInitializeAsync(secret, "small");
        using var second = await server.PostInitializeAsync(secret, "small");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
        Assert.Equal(0, await server.StopAsync());
        Assert.Contains(server.Process.StderrLines, l => l.Contains("1 sessions per credential", StringComparison.Ordinal) && l.Contains("body 2048 B", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ServeHttp_JwtSettings_FromFlagsAndEnvironment_AcceptTokensOfTheIdentityProvider()
    {
        using var folder = new TempFolder();
        await using var idp = await TestIdentityProvider.StartAsync();
        await using var server = await StartAsync(
            folder.File("ledger.db"),
            ["--jwt-authority", idp.Issuer, "--jwt-audience", TestIdentityProvider.Audience],
            new Dictionary<string, string> { ["CYCLETOKENS_JWT_ACCOUNT_CLAIM"] = "org" });
        var token = idp.Token("alice", new Dictionary<string, object> { ["org"] = "acme" });

        var metadata = JsonNode.Parse(await server.Http.GetStringAsync("/.well-known/oauth-protected-resource"))!;
        await using (var client = await server.ConnectAsync(token, protocolVersion: null))
        {
            var charge = await client.CallToolAsync("charge_for_operation", Export);
            Assert.Equal(990, charge.StructuredContent!.Value.GetProperty("balance_after").GetInt64());
        }

        Assert.Equal(0, await server.StopAsync());
        Assert.Equal(idp.Issuer, metadata["authorization_servers"]![0]!.GetValue<string>());
        Assert.Contains(server.Process.StderrLines, l => l.Contains("Also accepting JWT bearer tokens from " + idp.Issuer, StringComparison.Ordinal) && l.Contains("claim org", StringComparison.Ordinal));
        Assert.DoesNotContain(server.Process.StderrLines, l => l.Contains(token.Split('.')[2], StringComparison.Ordinal));
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
}
