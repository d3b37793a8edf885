using System.Text.Json;
using CycleTokens.Core.Accounts;

namespace CycleTokens.Mcp.Tests.Cli;

/// <summary>Operator reads of an account that does not exist say so and create nothing; user-creating writes still create.</summary>
public sealed class CliMissingAccountTests
{
    public static TheoryData<string[]> Reads() =>
    [
        ["balance", "bob"],
        ["history", "bob"],
        ["history", "bob", "--csv"],
        ["usage", "bob"],
        ["escrows", "list", "bob"],
        ["purchases", "list", "--account", "bob"],
    ];

    [Theory]
    [MemberData(nameof(Reads))]
    public async Task ReadOfAMissingAccount_ExitsOne_SaysSo_AndCreatesNoAccount(string[] args)
    {
        using var cli = new CliRunner();
        using (var ledger = cli.OpenLedger())
        {
            await ledger.GrantAsync("alice", 5);
        }

        var (exit, output, error) = await cli.RunAsync(args);
        var accounts = await cli.RunAsync("accounts", "--kind", "user", "--json");

        Assert.Equal(1, exit);
        Assert.Equal("account 'bob' does not exist" + Environment.NewLine, error);
        Assert.Equal(string.Empty, output);
        using var doc = JsonDocument.Parse(accounts.Out);
        Assert.Equal(["alice"], doc.RootElement.GetProperty("accounts").EnumerateArray().Select(a => a.GetProperty("account").GetString()));
    }

    [Theory]
    [MemberData(nameof(Reads))]
    public async Task ReadOfAMissingAccount_OnANewLedger_LeavesNoUserRow(string[] args)
    {
        using var cli = new CliRunner();

        var (exit, _, _) = await cli.RunAsync(args);

        Assert.Equal(1, exit);
        using var ledger = cli.OpenLedger();
        Assert.Empty((await ledger.ListAccountsAsync(AccountKind.User)).Accounts);
    }

    [Theory]
    [InlineData("grant", "bob", "5")]
    [InlineData("set-tier", "bob", "PRO")]
    public async Task UserCreatingWrites_StillCreateTheAccount_AndTheirHelpSaysSo(params string[] args)
    {
        using var cli = new CliRunner();

        var write = await cli.RunAsync(args);
        var help = await cli.RunAsync(args[0], "--help");
        var balance = await cli.RunAsync("balance", "bob");

        Assert.Equal(0, write.Exit);
        Assert.Equal(0, balance.Exit);
        Assert.Contains("Creates the user", help.Out, StringComparison.Ordinal);
    }
}
