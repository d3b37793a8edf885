using System.CommandLine;
using System.Text.Json;

namespace CycleTokens.Mcp.Tests.Cli;

/// <summary>What the command line says when something is wrong: the operator's terms, the promised exit codes, JSON on request.</summary>
public sealed class CliMessageTests
{
    [Theory]
    [InlineData(new[] { "grant", "alice", "abc" }, "amount must be a whole number of tokens (got 'abc')")]
    [InlineData(new[] { "grant", "alice", "99999999999999999999" }, "amount must be a whole number of tokens (got '99999999999999999999')")]
    [InlineData(new[] { "history", "alice", "--limit", "x" }, "--limit must be a whole number (got 'x')")]
    [InlineData(new[] { "accounts", "--limit", "1e3" }, "--limit must be a whole number (got '1e3')")]
    [InlineData(new[] { "history", "alice", "--min-amount", "1.5" }, "--min-amount must be a whole number of tokens (got '1.5')")]
    [InlineData(new[] { "set-tier", "alice", "gold" }, "tier must be one of FREE, PRO, ENTERPRISE (got 'gold')")]
    public async Task BadValues_NameTheArgumentAndTheKindExpected_NotADotNetType(string[] args, string expected)
    {
        using var cli = new CliRunner();

        var (exit, output, error) = await cli.RunAsync(args);

        Assert.Equal(2, exit);
        Assert.StartsWith(expected + Environment.NewLine, error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, output);
    }

    [Fact]
    public async Task EveryTypedArgumentAndOption_GivenAWord_FailsWithExitTwo_WithoutNamingADotNetType()
    {
        using var cli = new CliRunner();
        var root = cli.App(TextWriter.Null, TextWriter.Null).Build();
        var tried = 0;

        foreach (var (path, command) in Commands(root, []))
        {
            var arguments = command.Arguments.ToList();
            for (var i = 0; i < arguments.Count; i++)
            {
                if (arguments[i].ValueType != typeof(string))
                {
                    // Earlier arguments get a plausible word, this one a word that is not of its type.
                    string[] args = [.. path, .. Enumerable.Repeat("alice", i), "x"];
                    await AssertPlainUsageErrorAsync(cli, args);
                    tried++;
                }
            }

            // Flags (bool) take no word: System.CommandLine leaves "--csv=x"'s x to the arguments.
            foreach (var option in command.Options.Where(o => o is not System.CommandLine.Help.HelpOption and not VersionOption && o.ValueType != typeof(string) && o.ValueType != typeof(bool) && o.ValueType != typeof(bool?)))
            {
                await AssertPlainUsageErrorAsync(cli, [.. path, option.Name + "=x"]);
                tried++;
            }
        }

        // amount; --limit of history and of accounts; --min-amount.
        Assert.True(tried >= 4, $"only {tried} typed arguments and options found");
    }

    [Fact]
    public async Task TierNames_AreCaseInsensitive()
    {
        using var cli = new CliRunner();

        var pro = await cli.RunAsync("set-tier", "alice", "pro", "--json");
        var enterprise = await cli.RunAsync("set-tier", "alice", "Enterprise", "--json");

        Assert.Equal(0, pro.Exit);
        Assert.Contains("\"tier\":\"PRO\"", pro.Out, StringComparison.Ordinal);
        Assert.Equal(0, enterprise.Exit);
        Assert.Contains("\"tier\":\"ENTERPRISE\"", enterprise.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("parse", 2)]
    [InlineData("business", 1)]
    [InlineData("argument", 2)]
    [InlineData("setting", 2)]
    [InlineData("open", 1)]
    public async Task WithJson_EveryFailure_IsAnErrorObjectOnStdout_AsWellAsTextOnStderr(string kind, int expectedExit)
    {
        var blocked = Path.Combine(Path.GetTempPath(), "cycletokens-cli-tests", Guid.NewGuid().ToString("N"));
        using var cli = new CliRunner { Environment = kind == "setting" ? new() { ["CYCLETOKENS_SYNCHRONOUS"] = "sometimes" } : [] };
        // A ledger path under a regular file cannot be opened on any system.
        File.WriteAllText(Path.Combine(cli.Folder, "file"), "x");
        string[] args = kind switch
        {
            "parse" => ["grant", "alice", "abc", "--json", "--db", cli.Db],
            "business" => ["balance", "bob", "--json", "--db", cli.Db],
            "argument" => ["grant", "alice", "0", "--json", "--db", cli.Db],
            "setting" => ["balance", "alice", "--json", "--db", cli.Db],
            _ => ["balance", "alice", "--json", "--db", Path.Combine(cli.Folder, "file", "ledger.db")],
        };

        var (exit, output, error) = await cli.RunRawAsync(args);

        Assert.Equal(expectedExit, exit);
        using var doc = JsonDocument.Parse(output);
        var message = doc.RootElement.GetProperty("error").GetString()!;
        Assert.Equal(exit, doc.RootElement.GetProperty("exit_code").GetInt32());
        Assert.Equal(2, doc.RootElement.EnumerateObject().Count());
        Assert.NotEqual(string.Empty, message);
        Assert.StartsWith(message + Environment.NewLine, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutJson_AFailurePrintsNothingOnStdout()
    {
        using var cli = new CliRunner();

        var (exit, output, error) = await cli.RunAsync("balance", "bob");

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Equal("account 'bob' does not exist" + Environment.NewLine, error);
    }

    [Theory]
    [InlineData("CYCLETOKENS_OPERATOR", "maybe", "CYCLETOKENS_OPERATOR must be true or false (got 'maybe')")]
    [InlineData("CYCLETOKENS_REJECT_UNKNOWN_OPERATIONS", "sometimes", "CYCLETOKENS_REJECT_UNKNOWN_OPERATIONS must be true or false (got 'sometimes')")]
    [InlineData("CYCLETOKENS_SYNCHRONOUS", "fast", "CYCLETOKENS_SYNCHRONOUS must be FULL or NORMAL (got 'fast')")]
    [InlineData("CYCLETOKENS_MONTH_TIME_ZONE", "Mars/Olympus", "CYCLETOKENS_MONTH_TIME_ZONE must be a known IANA time zone")]
    [InlineData("CYCLETOKENS_CHECKOUT_BASE_URL", "pay here", "CYCLETOKENS_CHECKOUT_BASE_URL must be an absolute URL")]
    [InlineData("CYCLETOKENS_DB", "", "CYCLETOKENS_DB must not be empty")]
    public async Task BadEnvironmentSettings_ExitTwo_NamingTheVariable(string variable, string value, string expected)
    {
        using var cli = new CliRunner { Environment = new() { [variable] = value } };

        // No --db: the variable under test may be the ledger's own.
        var (exit, output, error) = await cli.RunRawAsync("prices");

        Assert.Equal(2, exit);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, output);
    }

    [Theory]
    [InlineData("missing.json", "CYCLETOKENS_PRICING_FILE names a price list that cannot be used: Could not find file")]
    [InlineData("broken.json", "CYCLETOKENS_PRICING_FILE names a price list that cannot be used: The price list is not valid JSON")]
    public async Task ABadPriceList_IsABadSetting(string file, string expected)
    {
        using var files = new CliRunner();
        var path = Path.Combine(files.Folder, file);
        if (file == "broken.json")
        {
            File.WriteAllText(path, "{ not json");
        }

        using var cli = new CliRunner { Environment = new() { ["CYCLETOKENS_PRICING_FILE"] = path } };

        var (exit, _, error) = await cli.RunAsync("prices");

        Assert.Equal(2, exit);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.False(File.Exists(cli.Db));
    }

    [Theory]
    [InlineData("""{"CycleTokens":{"Operator":"maybe"}}""", "Operator in appsettings.json must be true or false (got 'maybe')")]
    [InlineData("""{"CycleTokens":{"Db":""}}""", "Db in appsettings.json must not be empty")]
    [InlineData("""{"CycleTokens":{"Synchronous":"OFF"}}""", "Synchronous in appsettings.json must be FULL or NORMAL (got 'OFF')")]
    [InlineData("{\"CycleTokens\":{\"Operator\":", "appsettings.json is not valid JSON")]
    public async Task BadAppSettings_ExitTwo_NamingTheKey(string json, string expected)
    {
        using var cli = new CliRunner();
        File.WriteAllText(Path.Combine(cli.Folder, "appsettings.json"), json);

        var (exit, _, error) = await cli.RunRawAsync("prices");

        Assert.Equal(2, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppSettings_AreOverriddenByTheEnvironment_AndTheEnvironmentByFlags()
    {
        using var cli = new CliRunner { Environment = new() { ["CYCLETOKENS_DB"] = "" } };
        File.WriteAllText(Path.Combine(cli.Folder, "appsettings.json"), """{"CycleTokens":{"Synchronous":"OFF","Db":""}}""");
        using var fixedCli = new CliRunner { Environment = new() { ["CYCLETOKENS_SYNCHRONOUS"] = "normal" }, SettingsFolder = cli.Folder };

        var envWins = await cli.RunRawAsync("prices", "--db", cli.Db);
        var flagWins = await fixedCli.RunAsync("prices");

        // The file's bad Synchronous is still in force (nothing overrode it), the empty Db is overridden by --db.
        Assert.Equal(2, envWins.Exit);
        Assert.StartsWith("Synchronous in appsettings.json must be FULL or NORMAL", envWins.Err, StringComparison.Ordinal);
        Assert.Equal(0, flagWins.Exit);
    }

    [Fact]
    public async Task EmptyDbFlag_IsAUsageError_NotTheDefaultLedger()
    {
        using var cli = new CliRunner();

        var (exit, output, error) = await cli.RunRawAsync("accounts", "--db", "");
        var json = await cli.RunRawAsync("accounts", "--db", " ", "--json");

        Assert.Equal(2, exit);
        Assert.Equal("--db must not be empty (db names the ledger file)" + Environment.NewLine, error);
        Assert.Equal(string.Empty, output);
        Assert.Equal(2, json.Exit);
        Assert.Contains("\"exit_code\":2", json.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "history", "alice", "--kind", "purchase" }, "(no transactions)")]
    [InlineData(new[] { "escrows", "list", "alice" }, "(no escrows)")]
    [InlineData(new[] { "purchases", "list" }, "(no purchases)")]
    [InlineData(new[] { "accounts", "--kind", "creator" }, "(no accounts)")]
    [InlineData(new[] { "usage", "alice" }, "(no charges or spends in this period)")]
    [InlineData(new[] { "keys", "list", "alice" }, "(no keys)")]
    [InlineData(new[] { "keys", "list" }, "(no keys)")]
    public async Task EmptyTables_SaySo(string[] args, string expected)
    {
        using var cli = new CliRunner();
        using (var ledger = cli.OpenLedger())
        {
            await ledger.GrantAsync("alice", 5);
        }

        var (exit, output, _) = await cli.RunAsync(args);

        Assert.Equal(0, exit);
        Assert.EndsWith(expected + Environment.NewLine, output, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^(timestamp|escrow_id|purchase_id|account|operation)\s", output);
    }

    private static async Task AssertPlainUsageErrorAsync(CliRunner cli, string[] args)
    {
        var (exit, _, error) = await cli.RunAsync(args);

        Assert.True(exit == 2, $"{string.Join(' ', args)}: exit {exit}, {error}");
        Assert.False(error.Contains("System.", StringComparison.Ordinal), $"{string.Join(' ', args)}: {error}");
    }

    private static IEnumerable<(string[] Path, Command Command)> Commands(Command command, string[] path)
    {
        yield return (path, command);
        foreach (var sub in command.Subcommands)
        {
            foreach (var item in Commands(sub, [.. path, sub.Name]))
            {
                yield return item;
            }
        }
    }
}
