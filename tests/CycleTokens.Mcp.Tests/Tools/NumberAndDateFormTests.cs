using CycleTokens.Mcp.Tests.Support;
using ModelContextProtocol;

namespace CycleTokens.Mcp.Tests.Tools;

public sealed class NumberAndDateFormTests
{
    [Theory]
    [InlineData("5.0")]
    [InlineData("5e0")]
    [InlineData("0.5e1")]
    public async Task WholeNumberWrittenWithAFractionOrExponent_IsAccepted(string amount)
    {
        await using var server = await McpTestServer.StartAsync();

        var spend = await server.CallOkAsync("spend_tokens", $$"""{"amount":{{amount}},"operation":"x"}""");

        Assert.Equal(5, spend.GetProperty("charged").GetInt64());
    }

    [Theory]
    [InlineData("5.5", "5.5")]
    [InlineData("1e13", "1e13")]
    [InlineData("-0.5", "-0.5")]
    public async Task NumberThatIsNotAWholeNumberInRange_IsRefused(string amount, string shown)
    {
        await using var server = await McpTestServer.StartAsync();

        var message = await server.CallErrorAsync("spend_tokens", $$"""{"amount":{{amount}},"operation":"x"}""");

        Assert.Equal($"amount must be a whole number from 1 to 1000000000000 (got {shown})", message);
    }

    [Theory]
    [InlineData("2026-03-01")]
    [InlineData("2026-03-01T00:00:00Z")]
    [InlineData("2026-03-01T01:00:00+01:00")]
    [InlineData("2026-03-01T00:00:00.000Z")]
    public async Task IsoDates_AreAccepted(string after)
    {
        await using var server = await McpTestServer.StartAsync();

        var history = await server.CallOkAsync("get_transaction_history", $$"""{"after":"{{after}}"}""");

        Assert.Single(history.GetProperty("transactions").EnumerateArray());
    }

    [Theory]
    [InlineData("03/15/2026")]
    [InlineData("March 1, 2026")]
    [InlineData("2026-3-1")]
    public async Task NonIsoDates_AreRefused(string after)
    {
        await using var server = await McpTestServer.StartAsync();

        var message = await server.CallErrorAsync("get_transaction_history", $$"""{"after":"{{after}}"}""");

        Assert.StartsWith("after must be an ISO 8601 date-time", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsageSinceAfterTheDefaultEnd_IsRefused()
    {
        await using var server = await McpTestServer.StartAsync();

        var message = await server.CallErrorAsync("get_usage", """{"since":"2026-05-01T00:00:00Z"}""");

        Assert.StartsWith("since must be before until", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubscribingToAnUnknownResource_IsRefused()
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: McpTestServer.Legacy);

        var ex = await Assert.ThrowsAsync<McpProtocolException>(() => server.Client.SubscribeToResourceAsync("tokens://nothing"));

        Assert.Equal(McpErrorCode.ResourceNotFound, ex.ErrorCode);
    }
}
