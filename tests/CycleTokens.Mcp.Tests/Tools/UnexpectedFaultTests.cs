using CycleTokens.Mcp.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CycleTokens.Mcp.Tests.Tools;

public sealed class UnexpectedFaultTests
{
    [Theory]
    [InlineData(McpTestServer.Legacy)]
    [InlineData(McpTestServer.Modern)]
    public async Task UnexpectedFault_ReturnsOnlyAReferenceThatTheLogRepeats(string version)
    {
        using var log = new CapturingLoggerProvider();
        await using var server = await McpTestServer.StartAsync(protocolVersion: version, configureServices: s => s.AddLogging(b => b.AddProvider(log)));
        await server.CallOkAsync("get_balance");
        server.Ledger.Dispose(); // the engine now fails in a way no rule foresees (ObjectDisposedException)

        var message = await server.CallErrorAsync("charge_for_operation", """{"operation":"model.export.step","idempotency_key":"k1"}""");

        var match = System.Text.RegularExpressions.Regex.Match(
            message, @"^An unexpected error occurred \(reference ([0-9a-f]{12})\)\. If the call was keyed, retry it with the same idempotency_key\.$");
        Assert.True(match.Success, message);
        Assert.DoesNotContain("Disposed", message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(server.Folder, message, StringComparison.Ordinal);
        var entry = Assert.Single(log.Entries, e => e.Level == LogLevel.Error && e.Message.Contains(match.Groups[1].Value, StringComparison.Ordinal));
        Assert.Contains("charge_for_operation", entry.Message, StringComparison.Ordinal);
        Assert.IsType<ObjectDisposedException>(entry.Exception);
    }
}
