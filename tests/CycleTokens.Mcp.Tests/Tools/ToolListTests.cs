using System.Text.Json;
using CycleTokens.Mcp.Tests.Support;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Tools;

public sealed class ToolListTests
{
    public static TheoryData<string> Versions => [McpTestServer.Legacy, McpTestServer.Modern];

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task AgentMode_ListsExactlyTheContractsAgentTools(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);

        var tools = await ListAsync(server);

        Assert.Equal(Contract.AgentTools.Select(t => t.Name).Order(StringComparer.Ordinal), tools.Select(t => t.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task OperatorMode_AddsExactlyTheContractsOperatorTools(string version)
    {
        await using var server = await McpTestServer.StartAsync(operatorMode: true, protocolVersion: version);

        var tools = await ListAsync(server);

        var expected = Contract.AgentTools.Concat(Contract.OperatorTools).Select(t => t.Name).Order(StringComparer.Ordinal);
        Assert.Equal(expected, tools.Select(t => t.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AgentMode_ArgumentsAreExactlyTheContractsAndNoneIsAnAccount()
    {
        await using var server = await McpTestServer.StartAsync();

        foreach (var tool in await ListAsync(server))
        {
            var row = Contract.Agent(tool.Name);
            Assert.False(Properties(tool).ContainsKey("account"), $"{tool.Name} takes an account in agent mode");
            Assert.Equal(row.Required.Concat(row.Optional).Order(StringComparer.Ordinal), Properties(tool).Keys.Order(StringComparer.Ordinal));
            Assert.Equal(row.Required.Order(StringComparer.Ordinal), Required(tool).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task OperatorMode_EveryAgentToolTakesAnOptionalAccount()
    {
        await using var server = await McpTestServer.StartAsync(operatorMode: true);

        var tools = await ListAsync(server);

        foreach (var row in Contract.AgentTools)
        {
            var tool = tools.Single(t => t.Name == row.Name);
            Assert.True(Properties(tool).TryGetValue("account", out var account), $"{row.Name} has no account argument in operator mode");
            Assert.Equal("string", account.GetProperty("type").GetString());
            Assert.DoesNotContain("account", Required(tool));
            Assert.Equal(row.Required.Order(StringComparer.Ordinal), Required(tool).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task OperatorMode_OperatorToolArgumentsAreExactlyTheContracts()
    {
        await using var server = await McpTestServer.StartAsync(operatorMode: true);

        var tools = await ListAsync(server);

        foreach (var row in Contract.OperatorTools)
        {
            var tool = tools.Single(t => t.Name == row.Name);
            Assert.Equal(row.Required.Concat(row.Optional).Order(StringComparer.Ordinal), Properties(tool).Keys.Order(StringComparer.Ordinal));
            Assert.Equal(row.Required.Order(StringComparer.Ordinal), Required(tool).Order(StringComparer.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task EveryTool_IsDescribedAndClosed(string version)
    {
        await using var server = await McpTestServer.StartAsync(operatorMode: true, protocolVersion: version);

        foreach (var tool in await ListAsync(server))
        {
            Assert.False(string.IsNullOrWhiteSpace(tool.Description), $"{tool.Name} has no description");
            Assert.Equal("object", tool.InputSchema.GetProperty("type").GetString());
            Assert.Equal(JsonValueKind.False, tool.InputSchema.GetProperty("additionalProperties").ValueKind);
            foreach (var (name, property) in Properties(tool))
            {
                Assert.True(
                    property.TryGetProperty("description", out var description) && !string.IsNullOrWhiteSpace(description.GetString()),
                    $"{tool.Name}.{name} has no description");
                Assert.True(property.TryGetProperty("type", out _), $"{tool.Name}.{name} has no type");
            }
        }
    }

    [Fact]
    public async Task EveryTool_HasAnOutputSchemaWithTheContractsResultFields()
    {
        await using var server = await McpTestServer.StartAsync(operatorMode: true);

        foreach (var tool in await ListAsync(server))
        {
            Assert.True(tool.OutputSchema is { ValueKind: JsonValueKind.Object }, $"{tool.Name} has no output schema");
            var schema = tool.OutputSchema!.Value;
            Assert.Equal("object", schema.GetProperty("type").GetString());
            var fields = schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var field in Contract.Any(tool.Name).ResultFields)
            {
                Assert.True(fields.Contains(field), $"{tool.Name} output schema lacks {field}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Annotations_FollowTheContract(string version)
    {
        await using var server = await McpTestServer.StartAsync(operatorMode: true, protocolVersion: version);

        foreach (var tool in await ListAsync(server))
        {
            var row = Contract.Any(tool.Name);
            var hints = tool.Annotations ?? throw new Xunit.Sdk.XunitException($"{tool.Name} has no annotations");
            Assert.True(hints.ReadOnlyHint == row.ReadOnly, $"{tool.Name}: readOnlyHint {hints.ReadOnlyHint}, contract read-only {row.ReadOnly}");
            Assert.True(hints.OpenWorldHint == false, $"{tool.Name}: openWorldHint must be false");
            if (row.ReadOnly)
            {
                Assert.True(hints.DestructiveHint is null or false, $"{tool.Name} is read-only but destructive");
            }
        }

        var byName = (await ListAsync(server)).ToDictionary(t => t.Name);
        Assert.True(byName["release_escrow"].Annotations!.DestructiveHint);
        Assert.True(byName["charge_for_operation"].Annotations!.IdempotentHint);
        Assert.False(byName["charge_for_operation"].Annotations!.DestructiveHint);
        Assert.False(byName["spend_tokens"].Annotations!.IdempotentHint);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task OperatorTool_InAgentMode_IsUnknownAndChangesNothing(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);
        await server.CallOkAsync("get_balance");
        var before = await LedgerSnapshot.TakeAsync(server.Ledger, "alice");

        var grant = await Assert.ThrowsAsync<McpProtocolException>(() => server.CallAsync("grant_tokens", """{"account":"alice","amount":1000000}"""));
        var tier = await Assert.ThrowsAsync<McpProtocolException>(() => server.CallAsync("set_tier", """{"account":"alice","tier":"ENTERPRISE"}"""));
        var verify = await Assert.ThrowsAsync<McpProtocolException>(() => server.CallAsync("verify_ledger"));

        Assert.Contains("Unknown tool: 'grant_tokens'", grant.Message, StringComparison.Ordinal);
        Assert.Contains("Unknown tool: 'set_tier'", tier.Message, StringComparison.Ordinal);
        Assert.Contains("Unknown tool: 'verify_ledger'", verify.Message, StringComparison.Ordinal);
        Assert.Equal(McpErrorCode.InvalidParams, grant.ErrorCode);
        Assert.Equal(before, await LedgerSnapshot.TakeAsync(server.Ledger, "alice"));
    }

    [Fact]
    public async Task UnknownTool_IsAProtocolErrorThatShowsNoInternals()
    {
        await using var server = await McpTestServer.StartAsync();

        var error = await Assert.ThrowsAsync<McpProtocolException>(() => server.CallAsync("drop_table"));

        Assert.Contains("Unknown tool: 'drop_table'", error.Message, StringComparison.Ordinal);
    }

    private static async Task<IList<Tool>> ListAsync(McpTestServer server) =>
        [.. (await server.Client.ListToolsAsync()).Select(t => t.ProtocolTool)];

    private static Dictionary<string, JsonElement> Properties(Tool tool) =>
        tool.InputSchema.TryGetProperty("properties", out var properties)
            ? properties.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal)
            : [];

    private static List<string> Required(Tool tool) =>
        tool.InputSchema.TryGetProperty("required", out var required) ? [.. required.EnumerateArray().Select(r => r.GetString()!)] : [];
}
