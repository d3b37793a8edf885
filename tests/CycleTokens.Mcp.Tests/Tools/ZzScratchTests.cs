using CycleTokens.Mcp.Tests.Support;

namespace CycleTokens.Mcp.Tests.Tools;

public sealed class ZzScratchTests
{
    [Theory]
    [InlineData("""{"operation":"model.export.step","idempotency_key":"k\ud800"}""")]
    [InlineData("""{"operation":"model.export.step","metadata":{"n":"\ud800"}}""")]
    [InlineData("""{"operation":"model.export.step","creator_id":"\udc00"}""")]
    [InlineData("""{"operation":"model.export.step","k\ud800":1}""")]
    [InlineData("""{"operation":"model.export.step","amount":1,"amount":2}""")]
    public async Task Probe(string args)
    {
        await using var raw = await RawMcpConnection.StartAsync();
        var response = await raw.RequestAsync($$"""{"method":"tools/call","params":{"name":"charge_for_operation","arguments":{{args}}}}""");
        Assert.Fail(response.ToJsonString());
    }

    [Fact]
    public async Task ProbeDeep()
    {
        await using var raw = await RawMcpConnection.StartAsync();
        var nested = string.Concat(Enumerable.Repeat("{\"a\":", 99)) + "{}" + new string('}', 99);
        var response = await raw.RequestAsync($$"""{"method":"tools/call","params":{"name":"charge_for_operation","arguments":{"operation":"model.export.step","params":{{nested}}}}}""");
        Assert.Fail(response.ToJsonString());
    }
}
