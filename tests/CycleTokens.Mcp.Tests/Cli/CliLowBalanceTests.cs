using System.Text.Json;

namespace CycleTokens.Mcp.Tests.Cli;

/// <summary>low-balance ACCOUNT [--threshold N|default]: shows or sets the threshold of the low-balance event.</summary>
public sealed class CliLowBalanceTests
{
    [Fact]
    public async Task LowBalance_ShowsTheTierDefault_SetsAThreshold_AndGoesBackToTheDefault()
    {
        using var cli = new CliRunner();
        await cli.RunAsync("grant", "alice", "10");

        var (shown, shownOut, _) = await cli.RunAsync("low-balance", "alice");
        var (set, setOut, _) = await cli.RunAsync("low-balance", "alice", "--threshold", "250", "--json");
        var (back, backOut, _) = await cli.RunAsync("low-balance", "alice", "--threshold", "Default", "--json");

        Assert.Equal((0, 0, 0), (shown, set, back));
        Assert.Matches(@"(?m)^threshold\s+100$", shownOut);
        Assert.Matches(@"(?m)^custom\s+false$", shownOut);
        using (var doc = JsonDocument.Parse(setOut))
        {
            Assert.Equal(250, doc.RootElement.GetProperty("threshold").GetInt64());
            Assert.True(doc.RootElement.GetProperty("custom").GetBoolean());
            Assert.Equal(100, doc.RootElement.GetProperty("tier_default").GetInt64());
        }

        using (var doc = JsonDocument.Parse(backOut))
        {
            Assert.Equal(100, doc.RootElement.GetProperty("threshold").GetInt64());
            Assert.False(doc.RootElement.GetProperty("custom").GetBoolean());
        }

        using var ledger = cli.OpenLedger();
        Assert.False((await ledger.GetLowBalanceAsync("alice")).Custom);
    }

    [Theory]
    [InlineData(1, "account 'bob' does not exist", "low-balance", "bob", "--threshold", "10")]
    [InlineData(1, "account 'bob' does not exist", "low-balance", "bob")]
    [InlineData(2, "--threshold must be a whole number of tokens or default (got 'low')", "low-balance", "alice", "--threshold", "low")]
    [InlineData(2, "threshold must be a whole number from 0 to 1000000000000 (got -1)", "low-balance", "alice", "--threshold", "-1")]
    public async Task LowBalance_Refusals_NameTheProblem_AndWriteNothing(int expectedExit, string expected, params string[] args)
    {
        using var cli = new CliRunner();
        await cli.RunAsync("grant", "alice", "10");

        var (exit, output, error) = await cli.RunAsync(args);

        Assert.Equal(expectedExit, exit);
        Assert.Equal(string.Empty, output);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        using var ledger = cli.OpenLedger();
        Assert.False((await ledger.GetLowBalanceAsync("alice")).Custom);
        await Assert.ThrowsAsync<Core.LedgerException>(() => ledger.GetBalanceAsync("bob", Core.Accounts.MissingUser.Refuse));
    }
}
