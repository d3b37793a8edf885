using System.Text.Json;
using System.Text.Json.Nodes;
using CycleTokens.Core.Keys;
using CycleTokens.Mcp.Tests.Support;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Http;

/// <summary>
/// Every tool, resource, prompt and event of <c>tools.md</c> over Streamable HTTP, on both protocol revisions, as the
/// contract table writes them down: the same names, the same result fields, as over stdio.
/// </summary>
public sealed class HttpContractTests
{
    public static TheoryData<string> Versions => new() { McpTestServer.Legacy, McpTestServer.Modern };

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task AnAgentKey_ListsExactlyTheAgentTools_AndEachAnswersWithItsContractFields(string version)
    {
        await using var server = await HttpTestServer.StartAsync();
        await using var client = await server.ConnectAsync(await server.KeyAsync("alice"), version);

        var tools = (await client.ListToolsAsync()).Select(t => t.Name).Order(StringComparer.Ordinal);
        Assert.Equal(Contract.AgentTools.Select(t => t.Name).Order(StringComparer.Ordinal), tools);

        var results = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        async Task<JsonElement> Call(string tool, string arguments = "{}") => results[tool] = await client.CallOkAsync(tool, arguments);

        await Call("get_balance");
        await Call("list_operations");
        await Call("estimate_operation", """{"operation":"model.export.step","quantity":3}""");
        await Call("charge_for_operation", """{"operation":"model.export.step","idempotency_key":"c1"}""");
        await Call("spend_tokens", """{"amount":5,"operation":"custom.render","idempotency_key":"s1"}""");
        await Call("get_transaction_history", """{"limit":10}""");
        await Call("get_usage");
        var held = (await Call("create_escrow", """{"amount":100,"job_id":"job-1","fab_id":"fab-1","idempotency_key":"e1"}""")).GetProperty("escrow_id").GetString();
        await Call("get_escrow", $$"""{"escrow_id":"{{held}}"}""");
        await Call("list_escrows");
        await Call("release_escrow", $$"""{"escrow_id":"{{held}}","idempotency_key":"r1"}""");
        var cancelled = (await client.CallOkAsync("create_escrow", """{"amount":50,"job_id":"job-2","fab_id":"fab-1"}""")).GetProperty("escrow_id").GetString();
        await Call("cancel_escrow", $$"""{"escrow_id":"{{cancelled}}"}""");
        var reserved = (await Call("reserve_operation", """{"operation":"model.export.json","quantity":2,"idempotency_key":"h1"}""")).GetProperty("reservation_id").GetString();
        await Call("get_reservation", $$"""{"reservation_id":"{{reserved}}"}""");
        await Call("list_reservations");
        await Call("settle_reservation", $$"""{"reservation_id":"{{reserved}}","quantity":1,"idempotency_key":"h2"}""");
        var voided = (await client.CallOkAsync("reserve_operation", """{"operation":"model.export.json"}""")).GetProperty("reservation_id").GetString();
        await Call("void_reservation", $$"""{"reservation_id":"{{voided}}"}""");
        await Call("get_tier");
        var purchase = (await Call("purchase_tokens", """{"tokens":1000,"method":"card","idempotency_key":"p1"}""")).GetProperty("purchase_id").GetString();
        await Call("get_purchase", $$"""{"purchase_id":"{{purchase}}"}""");
        await Call("export_transactions", """{"format":"csv"}""");
        await Call("export_account_data");
        await Call("get_budget");

        AssertContractFields(Contract.AgentTools, results);
        // 10 charged, 5 spent, 100 released to the fab, 1 settled; the cancelled escrow and the void came back.
        Assert.Equal(884, (await server.Ledger.GetBalanceAsync("alice")).Total);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task AnOperatorKey_ListsAgentAndOperatorTools_AndEachOperatorToolAnswersWithItsContractFields(string version)
    {
        await using var server = await HttpTestServer.StartAsync();
        await using var agent = await server.ConnectAsync(await server.KeyAsync("bob"), version);
        var charge = (await agent.CallOkAsync("charge_for_operation", """{"operation":"model.export.step"}""")).GetProperty("transaction_id").GetString();
        var purchase = (await agent.CallOkAsync("purchase_tokens", """{"tokens":1000,"method":"card"}""")).GetProperty("purchase_id").GetString();
        await using var client = await server.ConnectAsync(await server.KeyAsync("ops", KeyRole.Operator), version);

        var tools = (await client.ListToolsAsync()).Select(t => t.Name).Order(StringComparer.Ordinal);
        Assert.Equal(Contract.AgentTools.Concat(Contract.OperatorTools).Select(t => t.Name).Order(StringComparer.Ordinal), tools);

        var results = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        async Task Call(string tool, string arguments) => results[tool] = await client.CallOkAsync(tool, arguments);

        await Call("grant_tokens", """{"account":"bob","amount":500,"idempotency_key":"g1"}""");
        await Call("set_tier", """{"account":"bob","tier":"PRO"}""");
        await Call("set_low_balance_threshold", """{"account":"bob","threshold":250}""");
        await Call("get_low_balance_threshold", """{"account":"bob"}""");
        await Call("complete_purchase", $$"""{"purchase_id":"{{purchase}}"}""");
        await Call("refund_transaction", $$"""{"transaction_id":"{{charge}}","reason":"failed export"}""");
        await Call("list_accounts", "{}");
        await Call("verify_ledger", "{}");
        await Call("clear_account_data", """{"account":"carol","confirm":"clear carol"}""");

        AssertContractFields(Contract.OperatorTools, results);
        Assert.True(results["verify_ledger"].GetProperty("ok").GetBoolean());
        Assert.Equal((250L, true), (results["get_low_balance_threshold"].Long("threshold"), results["get_low_balance_threshold"].GetProperty("custom").GetBoolean()));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task EveryResourceAndPrompt_ReadsForTheKeysOwnAccount(string version)
    {
        await using var server = await HttpTestServer.StartAsync();
        await using var client = await server.ConnectAsync(await server.KeyAsync("alice"), version);
        var escrow = (await client.CallOkAsync("create_escrow", """{"amount":100,"job_id":"job-1","fab_id":"fab-1"}""")).GetProperty("escrow_id").GetString();

        var uris = (await client.ListResourcesAsync()).Select(r => r.Uri).Order(StringComparer.Ordinal).ToList();
        var templates = (await client.ListResourceTemplatesAsync()).Select(t => t.UriTemplate).ToList();
        var balance = JsonNode.Parse(Text(await client.ReadResourceAsync("tokens://balance")))!;
        var usage = JsonNode.Parse(Text(await client.ReadResourceAsync("tokens://usage")))!;
        var pricing = JsonNode.Parse(Text(await client.ReadResourceAsync("tokens://pricing")))!;
        var csv = Text(await client.ReadResourceAsync("tokens://transactions.csv"));
        var held = JsonNode.Parse(Text(await client.ReadResourceAsync("tokens://escrows/" + escrow)))!;
        var keys = Core.Receipts.JwkSet.Parse(Text(await client.ReadResourceAsync("tokens://receipts/keys")));
        var prompts = (await client.ListPromptsAsync()).Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
        var report = await client.GetPromptAsync("cost_report");
        var estimate = await client.GetPromptAsync("estimate_before_running", new Dictionary<string, object?> { ["task"] = "export a bracket as STEP" });

        Assert.Equal(["tokens://balance", "tokens://pricing", "tokens://receipts/keys", "tokens://transactions.csv", "tokens://usage"], uris);
        Assert.Equal(["tokens://escrows/{escrow_id}"], templates);
        Assert.Equal("alice", balance["account"]!.GetValue<string>());
        Assert.Equal(900, balance["balance"]!.GetValue<long>());
        Assert.NotNull(usage["used"]);
        Assert.NotNull(pricing["operations"]);
        Assert.Contains("escrow", csv, StringComparison.Ordinal);
        Assert.Equal(escrow, held["escrow_id"]!.GetValue<string>());
        Assert.Equal(server.Ledger.ReceiptKeys!.CurrentKid, Assert.Single(keys.Keys).Kid);
        Assert.Equal(["cost_report", "estimate_before_running"], prompts);
        Assert.NotEmpty(report.Messages);
        Assert.Contains("export a bracket as STEP", string.Concat(estimate.Messages.Select(m => (m.Content as TextContentBlock)?.Text)), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Events_ReachTheKeysOwnSession_AsLoggingNotifications(string version)
    {
        await using var server = await HttpTestServer.StartAsync();
        RecordingTransport? recorder = null;
        await using var client = await server.ConnectAsync(
            await server.KeyAsync("alice"),
            version,
            wrapTransport: t => recorder = new RecordingTransport(version == McpTestServer.Modern ? new LogLevelInjectingTransport(t, LoggingLevel.Info) : t));
        if (version == McpTestServer.Legacy)
        {
            await client.SetLoggingLevelAsync(LoggingLevel.Info);
        }

        await client.CallOkAsync("charge_for_operation", """{"operation":"model.export.step"}""");
        await client.CallOkAsync("create_escrow", """{"amount":100,"job_id":"job-1","fab_id":"fab-1"}""");

        var events = await Task.WhenAll(
            WaitForEventAsync(recorder!, "token-spent"),
            WaitForEventAsync(recorder!, "escrow-created"));
        Assert.All(events, e => Assert.Equal("alice", e["account"]!.GetValue<string>()));
    }

    private static async Task<JsonObject> WaitForEventAsync(RecordingTransport recorder, string name)
    {
        var message = await recorder.WaitForAsync(
            m => m is JsonRpcNotification n && n.Method == NotificationMethods.LoggingMessageNotification
                && n.Params?["logger"]?.GetValue<string>() == "cycletokens.events"
                && n.Params?["data"]?["event"]?.GetValue<string>() == name,
            TimeSpan.FromSeconds(30));
        return (JsonObject)((JsonRpcNotification)message).Params!["data"]!;
    }

    private static void AssertContractFields(IReadOnlyList<ContractTool> contract, Dictionary<string, JsonElement> results)
    {
        foreach (var tool in contract)
        {
            Assert.True(results.TryGetValue(tool.Name, out var result), $"{tool.Name} was not called");
            foreach (var field in tool.ResultFields)
            {
                Assert.True(result.TryGetProperty(field, out _), $"{tool.Name} result lacks '{field}': {result}");
            }
        }
    }

    private static string Text(ReadResourceResult result) => Assert.IsType<TextResourceContents>(Assert.Single(result.Contents)).Text;
}
