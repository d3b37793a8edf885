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

    [Fact]
    public async Task ALedgerBusyForTheWholeTimeout_IsRefusedAsRetryable_AndWritesNothing()
    {
        using var log = new CapturingLoggerProvider();
        await using var server = await McpTestServer.StartAsync(
            options: new Core.LedgerOptions { DatabasePath = "unused", BusyTimeout = TimeSpan.FromSeconds(1) },
            configureServices: s => s.AddLogging(b => b.AddProvider(log)));
        await server.CallOkAsync("get_balance");
        var before = RawCount(server.DatabasePath);

        // Another program holds SQLite's write lock (outside the write queue) for longer than the busy timeout.
        using (var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={server.DatabasePath};Pooling=False"))
        {
            other.Open();
            using var begin = other.CreateCommand();
            begin.CommandText = "BEGIN IMMEDIATE";
            begin.ExecuteNonQuery();

            var message = await server.CallErrorAsync("charge_for_operation", """{"operation":"model.export.step","idempotency_key":"busy-1"}""");

            Assert.Equal("The ledger is busy with other sessions' writes; nothing was written. Retry the call (with the same idempotency_key, if it had one).", message);
        }

        Assert.Equal(before, RawCount(server.DatabasePath));
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("busy", StringComparison.Ordinal));

        // The retry, once the lock is free, is applied.
        await server.CallOkAsync("charge_for_operation", """{"operation":"model.export.step","idempotency_key":"busy-1"}""");
        Assert.Equal(before + 1, RawCount(server.DatabasePath));
    }

    private static long RawCount(string path)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM transactions";
        return (long)command.ExecuteScalar()!;
    }
}
