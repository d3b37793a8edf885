using System.Text.Json;
using System.Text.Json.Nodes;
using CycleTokens.Mcp.Tests.Support;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Prompts;

public sealed class PromptTests
{
    public static TheoryData<string> Versions => [McpTestServer.Legacy, McpTestServer.Modern];

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task ListPrompts_OffersCostReportAndEstimateBeforeRunning(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);

        var prompts = (await server.Client.ListPromptsAsync()).Select(p => p.ProtocolPrompt).ToList();

        Assert.Equal(["cost_report", "estimate_before_running"], prompts.Select(p => p.Name).Order(StringComparer.Ordinal));
        var costReport = prompts.Single(p => p.Name == "cost_report");
        Assert.False(string.IsNullOrWhiteSpace(costReport.Description));
        Assert.DoesNotContain(costReport.Arguments ?? [], a => a.Required == true);
        var estimate = prompts.Single(p => p.Name == "estimate_before_running");
        var task = Assert.Single(estimate.Arguments ?? []);
        Assert.Equal("task", task.Name);
        Assert.True(task.Required);
        Assert.False(string.IsNullOrWhiteSpace(task.Description));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task CostReport_EmbedsThisMonthsUsageAndTheBalance(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);
        await server.CallOkAsync("charge_for_operation", """{"operation":"ai.design_review"}""");
        await server.CallOkAsync("spend_tokens", """{"amount":40,"operation":"custom.render"}""");

        var prompt = await server.Client.GetPromptAsync("cost_report");

        Assert.All(prompt.Messages, m => Assert.Equal(Role.User, m.Role));
        var ask = Assert.IsType<TextContentBlock>(prompt.Messages[0].Content).Text;
        Assert.Contains("this month", ask, StringComparison.Ordinal);
        var embedded = prompt.Messages.Skip(1).Select(m => Assert.IsType<TextResourceContents>(Assert.IsType<EmbeddedResourceBlock>(m.Content).Resource)).ToList();
        var usage = JsonNode.Parse(embedded.Single(r => r.Uri == "tokens://usage").Text)!;
        var balance = JsonNode.Parse(embedded.Single(r => r.Uri == "tokens://balance").Text)!;
        Assert.Equal(55, usage["used"]!.GetValue<long>());
        Assert.Equal("0.55", usage["used_eur"]!.GetValue<string>());
        Assert.Equal(2, usage["by_operation"]!.AsArray().Count);
        Assert.True(JsonNode.DeepEquals(balance, JsonSerializer.SerializeToNode(await server.CallOkAsync("get_balance"))));
        Assert.All(embedded, r => Assert.Equal("application/json", r.MimeType));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task EstimateBeforeRunning_AsksToEstimateTheTasksOperationsWithThePriceList(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);

        var prompt = await server.Client.GetPromptAsync("estimate_before_running", new Dictionary<string, object?> { ["task"] = "Export the bracket as STEP and run a stress analysis" });

        var ask = Assert.IsType<TextContentBlock>(prompt.Messages[0].Content).Text;
        Assert.Contains("Task: Export the bracket as STEP and run a stress analysis", ask, StringComparison.Ordinal);
        Assert.Contains("estimate_operation", ask, StringComparison.Ordinal);
        Assert.Contains("list_operations", ask, StringComparison.Ordinal);
        var pricing = Assert.IsType<TextResourceContents>(Assert.IsType<EmbeddedResourceBlock>(Assert.Single(prompt.Messages.Skip(1)).Content).Resource);
        Assert.Equal("tokens://pricing", pricing.Uri);
        Assert.Equal(32, JsonNode.Parse(pricing.Text)!["operations"]!.AsArray().Count);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task EstimateBeforeRunning_WithoutAUsableTask_IsRefused(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);

        var missing = await Assert.ThrowsAsync<McpProtocolException>(() => server.Client.GetPromptAsync("estimate_before_running").AsTask());
        var empty = await Assert.ThrowsAsync<McpProtocolException>(() => GetAsync(server, "estimate_before_running", """{"task":""}"""));
        var tooLong = await Assert.ThrowsAsync<McpProtocolException>(() => GetAsync(server, "estimate_before_running", $$"""{"task":"{{new string('x', 2001)}}"}"""));
        var notText = await Assert.ThrowsAsync<McpProtocolException>(() => GetAsync(server, "estimate_before_running", """{"task":42}"""));

        Assert.All(
            [missing, empty, tooLong, notText],
            e =>
            {
                Assert.Equal(McpErrorCode.InvalidParams, e.ErrorCode);
                Assert.Contains("task is required: a string of 1-2000 characters", e.Message, StringComparison.Ordinal);
            });
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Prompts_RefuseUnknownArgumentsAndNames(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);

        var extra = await Assert.ThrowsAsync<McpProtocolException>(() => GetAsync(server, "cost_report", """{"account":"bob"}"""));
        var extraTask = await Assert.ThrowsAsync<McpProtocolException>(() => GetAsync(server, "estimate_before_running", """{"task":"x","budget":"10"}"""));
        var unknown = await Assert.ThrowsAsync<McpProtocolException>(() => GetAsync(server, "drain_wallet", "{}"));

        Assert.Contains("account is not an argument of cost_report", extra.Message, StringComparison.Ordinal);
        Assert.Contains("budget is not an argument of estimate_before_running", extraTask.Message, StringComparison.Ordinal);
        Assert.Contains("Unknown prompt: 'drain_wallet'", unknown.Message, StringComparison.Ordinal);
        Assert.All([extra, extraTask, unknown], e => Assert.Equal(McpErrorCode.InvalidParams, e.ErrorCode));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task EveryPrompt_EmbedsOnlyResourcesThatResourcesReadServes(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);
        await server.CallOkAsync("charge_for_operation", """{"operation":"ai.design_review"}""");
        var listed = (await server.Client.ListResourcesAsync()).Select(r => r.Uri).ToHashSet(StringComparer.Ordinal);

        var embeddedCount = 0;
        foreach (var prompt in (await server.Client.ListPromptsAsync()).Select(p => p.ProtocolPrompt))
        {
            var arguments = (prompt.Arguments ?? []).Where(a => a.Required == true).ToDictionary(a => a.Name, _ => (object?)"Export the bracket as STEP");
            var result = await server.Client.GetPromptAsync(prompt.Name, arguments);
            foreach (var embedded in result.Messages.Select(m => m.Content).OfType<EmbeddedResourceBlock>())
            {
                var inline = Assert.IsType<TextResourceContents>(embedded.Resource);
                Assert.True(listed.Contains(inline.Uri), $"{prompt.Name} embeds {inline.Uri}, which resources/list does not offer");
                var read = Assert.IsType<TextResourceContents>(Assert.Single((await server.Client.ReadResourceAsync(inline.Uri)).Contents));
                Assert.Equal(inline.MimeType, read.MimeType);
                Assert.True(JsonNode.DeepEquals(JsonNode.Parse(inline.Text), JsonNode.Parse(read.Text)), $"{prompt.Name} embeds {inline.Uri} as {inline.Text}; resources/read gives {read.Text}");
                embeddedCount++;
            }
        }

        Assert.Equal(3, embeddedCount);
    }

    private static async Task<GetPromptResult> GetAsync(McpTestServer server, string name, string argumentsJson)
    {
        using var document = JsonDocument.Parse(argumentsJson);
        var arguments = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
        return await server.Client.GetPromptAsync(new GetPromptRequestParams { Name = name, Arguments = arguments });
    }
}
