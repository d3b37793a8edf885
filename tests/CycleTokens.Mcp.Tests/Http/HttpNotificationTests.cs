using CycleTokens.Core;
using CycleTokens.Core.Keys;
using CycleTokens.Mcp.Resources;
using CycleTokens.Mcp.Tests.Support;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Http;

/// <summary>Who hears about a change: every session of the account it concerns, whoever made it, and no one else.</summary>
public sealed class HttpNotificationTests
{
    [Fact]
    public async Task AnOperatorsGrant_ReachesEverySessionOfThatAccount_AndNoOtherAccounts()
    {
        await using var server = await HttpTestServer.StartAsync();
        await using var bob1 = await server.ConnectAsync(await server.KeyAsync("bob"));
        await using var bob2 = await server.ConnectAsync(await server.KeyAsync("bob"));
        await using var alice = await server.ConnectAsync(await server.KeyAsync("alice"));
        await using var ops = await server.ConnectAsync(await server.KeyAsync("ops", KeyRole.Operator));
        var bob1Updated = await SubscribeAsync(bob1);
        var bob2Updated = await SubscribeAsync(bob2);
        var aliceHeard = 0;
        await using var a = alice.RegisterNotificationHandler(NotificationMethods.ResourceUpdatedNotification, (_, _) =>
        {
            Interlocked.Increment(ref aliceHeard);
            return ValueTask.CompletedTask;
        });
        await alice.SubscribeToResourceAsync("tokens://balance");

        await ops.CallOkAsync("grant_tokens", """{"account":"bob","amount":500}""");

        await Task.WhenAll(bob1Updated.Task, bob2Updated.Task).WaitAsync(TimeSpan.FromSeconds(30));
        // alice's own request after bob's updates: an update for alice would have been sent before it returned.
        await alice.CallOkAsync("get_balance");
        Assert.Equal(0, Volatile.Read(ref aliceHeard));
    }

    [Fact]
    public async Task AChangeMadeByAnotherProcessOnTheLedger_ReachesTheAccountsSession()
    {
        BalanceWatcher.Interval = TimeSpan.FromMilliseconds(50);
        await using var server = await HttpTestServer.StartAsync();
        await using var bob = await server.ConnectAsync(await server.KeyAsync("bob"));
        var updated = await SubscribeAsync(bob);
        await ((BalanceWatcher)server.Services.GetService(typeof(BalanceWatcher))!).Watching.WaitAsync(TimeSpan.FromSeconds(30));

        // A second engine on the same file stands for another host or the CLI.
        using (var other = TokenLedger.Open(new LedgerOptions { DatabasePath = server.DatabasePath }, server.Time))
        {
            await other.GrantAsync("bob", 250);
        }

        await updated.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1250, (await bob.CallOkAsync("get_balance")).GetProperty("balance").GetInt64());
    }

    private static async Task<TaskCompletionSource> SubscribeAsync(McpClient client)
    {
        var updated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.RegisterNotificationHandler(NotificationMethods.ResourceUpdatedNotification, (_, _) =>
        {
            updated.TrySetResult();
            return ValueTask.CompletedTask;
        });
        await client.SubscribeToResourceAsync("tokens://balance");
        return updated;
    }
}
