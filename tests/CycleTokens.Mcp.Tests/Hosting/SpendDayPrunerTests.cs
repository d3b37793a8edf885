using CycleTokens.Core.Budgets;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Keys;
using CycleTokens.Mcp.Hosting;
using CycleTokens.Mcp.Tests.Support;
using Microsoft.Data.Sqlite;

namespace CycleTokens.Mcp.Tests.Hosting;

/// <summary>The server deletes the credentials' daily totals of days before yesterday every hour of its clock.</summary>
public sealed class SpendDayPrunerTests
{
    [Fact]
    public async Task AServerOnItsClock_DeletesTheDaysBeforeYesterday_AtItsNextHourlyTick()
    {
        await using var server = await McpTestServer.StartAsync(hostOnTheFakeClock: true);
        var key = new Spender("key_pruned", new KeyBudget(null, 1000, null));
        await server.Ledger.ChargeAsync("alice", new ChargeRequest("cam.laser_path"), key);
        server.Clock.Advance(SpendDayPruner.Interval);
        await server.Ledger.ChargeAsync("alice", new ChargeRequest("cam.laser_path"), key);
        Assert.Equal(1, Days(server.DatabasePath)); // the same day: nothing to delete

        server.Clock.Advance(TimeSpan.FromDays(2) - SpendDayPruner.Interval);
        await server.Ledger.ChargeAsync("alice", new ChargeRequest("cam.laser_path"), key);
        server.Clock.Advance(SpendDayPruner.Interval);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Days(server.DatabasePath) > 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(1, Days(server.DatabasePath));
        Assert.Equal(30, (await server.Ledger.GetBudgetAsync(key)).UsedToday);
    }

    private static long Days(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM credential_spend";
        return (long)command.ExecuteScalar()!;
    }
}
