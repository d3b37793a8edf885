using CycleTokens.Mcp.Tests.Support;

namespace CycleTokens.Mcp.Tests;

public sealed class SmokeTests
{
    [Theory]
    [InlineData(McpTestServer.Legacy)]
    [InlineData(McpTestServer.Modern)]
    public async Task Charge_ThroughTheClient_DebitsTheBoundAccount(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);

        var charge = await server.CallOkAsync("charge_for_operation", """{"operation":"model.export.step"}""");
        var balance = await server.CallOkAsync("get_balance");

        Assert.Equal(10, charge.GetProperty("charged").GetInt64());
        Assert.Equal(990, balance.GetProperty("balance").GetInt64());
        Assert.Equal("alice", balance.GetProperty("account").GetString());
    }
}
