using CycleTokens.Core;
using CycleTokens.Mcp.Resources;
using CycleTokens.Mcp.Tests.Support;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Resources;

public sealed class CrossProcessUpdateTests
{
    [Fact]
    public async Task BalanceChangedByAnotherProcess_SubscriberIsNotified()
    {
        BalanceWatcher.Interval = TimeSpan.FromMilliseconds(50);
        await using var server = await McpTestServer.StartAsync(protocolVersion: McpTestServer.Legacy);
        await server.CallOkAsync("get_balance");
        var updated = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await server.Client.SubscribeToResourceAsync(
            "tokens://balance",
            (n, _) =>
            {
                updated.TrySetResult(n.Uri);
                return ValueTask.CompletedTask;
            });

        // Another process on the same file (here: another connection, as the operator command line would open).
        // Wait until the watcher has recorded the current position, so the grant below is a change it can see.
        await WaitForWatcherAsync(server);
        using (var other = TokenLedger.Open(new LedgerOptions { DatabasePath = server.DatabasePath }, server.Clock))
        {
            await other.GrantAsync("alice", 500);
        }

        Assert.Equal("tokens://balance", await updated.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    private static Task WaitForWatcherAsync(McpTestServer server) =>
        ((BalanceWatcher)server.Host.Services.GetService(typeof(BalanceWatcher))!).Watching.WaitAsync(TimeSpan.FromSeconds(30));
}
