using System.Net;
using System.Text.Json.Nodes;
using CycleTokens.Core;
using CycleTokens.Core.Tests.Support;
using CycleTokens.Mcp.Tests.Support;
using ModelContextProtocol;
using static CycleTokens.Mcp.Tests.Support.HttpServeProcess;

namespace CycleTokens.Mcp.Tests.Process;

/// <summary>
/// What an HTTP client of a PostgreSQL ledger sees while the database is down, and after: a session whose key the
/// host checked before gets tool errors saying to retry (and its resource reads the same message), tools still list;
/// a key the host never saw gets a 503 with <c>Retry-After</c>; <c>/readyz</c> says not ready. Nothing is a 500 or an
/// "unexpected error", and once the database is back everything works without restarting the host.
/// </summary>
public sealed class PostgresOutageTests
{
    private static readonly Dictionary<string, object?> Export = new() { ["operation"] = "model.export.step", ["idempotency_key"] = "during-the-outage" };

    [PostgresFact]
    public async Task DatabaseDown_KnownKeysGetToolErrorsSayingToRetry_UnknownKeys503_AndAllWorksOnceItIsBack()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var cluster = await PostgresCluster.StartAsync(timeout.Token);
        var db = await cluster.CreateDatabaseAsync(timeout.Token);
        var known = (await CreateKeyAsync(db.Uri, "alice"))["secret"]!.GetValue<string>();
        var unseen = (await CreateKeyAsync(db.Uri, "bob"))["secret"]!.GetValue<string>();
        await using var server = await StartAsync(db.Uri);
        await using var client = await server.ConnectAsync(known);
        Assert.Equal(1000, (await client.CallToolAsync("get_balance")).StructuredContent!.Value.GetProperty("balance").GetInt64());

        await cluster.StopAsync(timeout.Token);

        var refused = await client.CallToolAsync("charge_for_operation", Export);
        Assert.True(refused.IsError);
        Assert.Equal(LedgerUnavailableException.NothingWrittenMessage, McpTestServer.Text(refused));
        Assert.Contains(await client.ListToolsAsync(), t => t.Name == "charge_for_operation");
        var read = await Assert.ThrowsAnyAsync<McpException>(() => client.ReadResourceAsync("tokens://balance").AsTask());
        Assert.Contains(LedgerUnavailableException.NothingWrittenMessage, read.Message, StringComparison.Ordinal);

        using (var response = await server.PostInitializeAsync(unseen, "unseen"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("1", response.Headers.RetryAfter?.ToString());
            Assert.Equal(LedgerUnavailableException.NothingWrittenMessage, JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!.GetValue<string>());
        }

        using (var notReady = await server.Http.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        }

        await cluster.StartAgainAsync(timeout.Token);

        // The same session, the same key: applied once now (nothing was written during the outage).
        var charged = await client.CallToolAsync("charge_for_operation", Export);
        Assert.True(charged.IsError is not true, McpTestServer.Text(charged));
        Assert.False(charged.StructuredContent!.Value.GetProperty("replayed").GetBoolean());
        Assert.Equal(990, charged.StructuredContent!.Value.GetProperty("balance_after").GetInt64());
        await using (var bob = await server.ConnectAsync(unseen))
        {
            Assert.Equal(1000, (await bob.CallToolAsync("get_balance")).StructuredContent!.Value.GetProperty("balance").GetInt64());
        }

        using (var ready = await server.Http.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        Assert.Equal(0, await server.StopAsync());
        // Nothing failed unexpectedly. (The SDK itself logs every exception of a resource handler at error level, the
        // refused read included: that line is its own.)
        Assert.DoesNotContain(
            server.Process.StderrLines,
            l => (l.Contains(" ERR]", StringComparison.Ordinal) || l.Contains(" FTL]", StringComparison.Ordinal)) && !l.Contains("ReadResource \"tokens://balance\" threw", StringComparison.Ordinal));
        Assert.Equal(990, await BalanceAsync(db.Uri, "alice"));
    }
}
