using CycleTokens.Mcp.Tests.Support;

namespace CycleTokens.Mcp.Tests.Tools;

public sealed class UnexpectedFaultTests
{
    [Theory]
    [InlineData(McpTestServer.Legacy)]
    [InlineData(McpTestServer.Modern)]
    public async Task UnexpectedFault_ReturnsOnlyAReferenceAndNoInternals(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);
        await server.CallOkAsync("get_balance");
        server.Ledger.Dispose(); // the engine now fails in a way no rule foresees (ObjectDisposedException)

        var message = await server.CallErrorAsync("charge_for_operation", """{"operation":"model.export.step","idempotency_key":"k1"}""");

        Assert.Matches(@"^An unexpected error occurred \(reference [0-9a-f]{12}\)\. If the call was keyed, retry it with the same idempotency_key\.$", message);
        Assert.DoesNotContain("Disposed", message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(server.Folder, message, StringComparison.Ordinal);
    }
}
