using System.Text.Json;
using CycleTokens.Core.Escrows;

namespace CycleTokens.Mcp.Tests.Cli;

public sealed class CliCommandTests
{
    [Fact]
    public async Task Balance_PrintsAnAlignedTable_AndJsonWithTheToolsFieldNames()
    {
        using var cli = new CliRunner();
        using (var ledger = cli.OpenLedger())
        {
            await ledger.GetBalanceAsync("alice");
        }

        var table = await cli.RunAsync("balance", "alice");
        var json = await cli.RunAsync("balance", "alice", "--json");

        Assert.Equal(0, table.Exit);
        Assert.Matches(@"(?m)^balance\s+1000$", table.Out);
        Assert.Matches(@"(?m)^tier\s+FREE$", table.Out);
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal(1000, doc.RootElement.GetProperty("balance").GetInt64());
        Assert.Equal("alice", doc.RootElement.GetProperty("account").GetString());
        Assert.Equal(string.Empty, json.Err);
    }

    [Fact]
    public async Task Grant_CreditsPurchasedTokens_AndAKeyedRetryAppliesOnce()
    {
        using var cli = new CliRunner();

        var first = await cli.RunAsync("grant", "alice", "500", "--source", "bonus", "--idempotency-key", "g1", "--json");
        var retry = await cli.RunAsync("grant", "alice", "500", "--source", "bonus", "--idempotency-key", "g1", "--json");

        Assert.Equal(0, first.Exit);
        Assert.Equal(0, retry.Exit);
        Assert.Contains("\"replayed\":true", retry.Out, StringComparison.Ordinal);
        using var ledger = cli.OpenLedger();
        var balance = await ledger.GetBalanceAsync("alice");
        Assert.Equal(500, balance.Purchased);
    }

    [Theory]
    [InlineData(new[] { "grant", "alice", "-5" }, "amount must be a whole number from 1 to 1000000000000 (got -5)")]
    [InlineData(new[] { "grant", "system:grants", "5" }, "account must not start with a reserved prefix")]
    [InlineData(new[] { "set-tier", "alice", "GOLD" }, "GOLD")]
    [InlineData(new[] { "grant", "alice" }, "amount")]
    [InlineData(new[] { "history", "alice", "--kind", "gift" }, "kind must be one of")]
    [InlineData(new[] { "history", "alice", "--after", "yesterday" }, "after must be an ISO 8601 date-time")]
    [InlineData(new[] { "nonsense" }, "nonsense")]
    public async Task BadArguments_ExitWithUsageError_AndSayWhyOnStderr(string[] args, string expected)
    {
        using var cli = new CliRunner();

        var (exit, output, error) = await cli.RunAsync(args);

        Assert.Equal(2, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, output);
    }

    [Fact]
    public async Task SetTier_ChangesTheTier_AndRepeatingChangesNothing()
    {
        using var cli = new CliRunner();

        var set = await cli.RunAsync("set-tier", "alice", "PRO", "--json");
        var again = await cli.RunAsync("set-tier", "alice", "PRO", "--json");

        Assert.Equal(0, set.Exit);
        Assert.Contains("\"changed\":true", set.Out, StringComparison.Ordinal);
        Assert.Contains("\"balance\":10000", set.Out, StringComparison.Ordinal);
        Assert.Contains("\"changed\":false", again.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Purchases_ListPending_ThenComplete_CreditsOnce()
    {
        using var cli = new CliRunner();
        string id;
        using (var ledger = cli.OpenLedger())
        {
            id = (await ledger.CreatePurchaseAsync("alice", 5000, "usdc")).Purchase.Id;
        }

        var list = await cli.RunAsync("purchases", "list", "--status", "pending");
        var complete = await cli.RunAsync("purchases", "complete", id, "--json");
        var again = await cli.RunAsync("purchases", "complete", id, "--json");
        var pendingAfter = await cli.RunAsync("purchases", "list", "--status", "pending", "--json");

        Assert.Equal(0, list.Exit);
        Assert.Contains(id, list.Out, StringComparison.Ordinal);
        Assert.Contains("50.00", list.Out, StringComparison.Ordinal);
        Assert.Contains("\"balance_after\":6000", complete.Out, StringComparison.Ordinal);
        Assert.Contains("\"balance_after\":6000", again.Out, StringComparison.Ordinal);
        Assert.Contains("\"replayed\":true", again.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(id, pendingAfter.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Purchases_CompleteUnknown_IsABusinessFailure()
    {
        using var cli = new CliRunner();

        var (exit, output, error) = await cli.RunAsync("purchases", "complete", "pur_missing");

        Assert.Equal(1, exit);
        Assert.Contains("Purchase pur_missing not found", error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, output);
    }

    [Fact]
    public async Task History_Table_Csv_AndJson_ShowTheSameTransactions()
    {
        using var cli = new CliRunner();
        using (var ledger = cli.OpenLedger())
        {
            await ledger.SpendAsync("alice", 10, "model.export.step");
            await ledger.SpendAsync("alice", 2, "model.export.stl");
        }

        var table = await cli.RunAsync("history", "alice", "--kind", "spend");
        var csv = await cli.RunAsync("history", "alice", "--csv");
        var json = await cli.RunAsync("history", "alice", "--json", "--limit", "1");

        Assert.Equal(0, table.Exit);
        var lines = table.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("timestamp", lines[0], StringComparison.Ordinal);
        Assert.Contains("model.export.stl", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("date,transaction_id,type,kind,operation,amount,balance_after,counterparty\r\n", csv.Out, StringComparison.Ordinal);
        Assert.Equal(4, csv.Out.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Single(doc.RootElement.GetProperty("transactions").EnumerateArray());
        Assert.Equal(JsonValueKind.String, doc.RootElement.GetProperty("next_cursor").ValueKind);
    }

    [Fact]
    public async Task Usage_ShowsTheMonthPerOperation()
    {
        using var cli = new CliRunner();
        using (var ledger = cli.OpenLedger())
        {
            await ledger.SpendAsync("alice", 10, "model.export.step");
            await ledger.SpendAsync("alice", 10, "model.export.step");
        }

        var (exit, output, _) = await cli.RunAsync("usage", "alice");

        Assert.Equal(0, exit);
        Assert.Contains("20 tokens (EUR 0.20)", output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^model\.export\.step\s+2\s+20\s+10\s+0\.20$", output);
    }

    [Fact]
    public async Task Escrows_ListReleaseCancel_AndActingTwiceFails()
    {
        using var cli = new CliRunner();
        string first, second;
        using (var ledger = cli.OpenLedger())
        {
            first = (await ledger.CreateEscrowAsync("alice", new EscrowRequest(300, "job-1", "shop"))).Escrow.Id;
            second = (await ledger.CreateEscrowAsync("alice", new EscrowRequest(200, "job-2", "shop"))).Escrow.Id;
        }

        var list = await cli.RunAsync("escrows", "list", "alice", "--status", "held");
        var release = await cli.RunAsync("escrows", "release", "alice", first, "--json");
        var cancel = await cli.RunAsync("escrows", "cancel", "alice", second, "--json");
        var twice = await cli.RunAsync("escrows", "release", "alice", first);
        var other = await cli.RunAsync("escrows", "cancel", "bob", second);

        Assert.Contains(first, list.Out, StringComparison.Ordinal);
        Assert.Contains(second, list.Out, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"released\"", release.Out, StringComparison.Ordinal);
        Assert.Contains("\"balance_after\":700", cancel.Out, StringComparison.Ordinal);
        Assert.Equal(1, twice.Exit);
        Assert.Contains($"Escrow {first} is not held (status: released)", twice.Err, StringComparison.Ordinal);
        Assert.Equal(1, other.Exit);
        Assert.Contains("not found", other.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refund_ReversesACharge_Once()
    {
        using var cli = new CliRunner();
        string id;
        using (var ledger = cli.OpenLedger())
        {
            id = (await ledger.SpendAsync("alice", 40, "ai.design_review")).TransactionId;
        }

        var refund = await cli.RunAsync("refund", id, "--reason", "duplicate", "--json");
        var twice = await cli.RunAsync("refund", id, "--reason", "duplicate");
        var noReason = await cli.RunAsync("refund", id);

        Assert.Equal(0, refund.Exit);
        Assert.Contains("\"refunded\":40", refund.Out, StringComparison.Ordinal);
        Assert.Contains("\"balance_after\":1000", refund.Out, StringComparison.Ordinal);
        Assert.Equal(1, twice.Exit);
        Assert.Contains("has already been refunded", twice.Err, StringComparison.Ordinal);
        Assert.Equal(2, noReason.Exit);
    }

    [Fact]
    public async Task Accounts_ListsUsersAndSystemAccounts_FilteredByKind()
    {
        using var cli = new CliRunner();
        using (var ledger = cli.OpenLedger())
        {
            await ledger.GrantAsync("alice", 5);
            await ledger.GrantAsync("bob", 5);
        }

        var all = await cli.RunAsync("accounts");
        var users = await cli.RunAsync("accounts", "--kind", "user", "--json");
        var bad = await cli.RunAsync("accounts", "--kind", "robot");

        Assert.Matches(@"(?m)^system:grants\s+system\s+-\s+-10$", all.Out);
        using var doc = JsonDocument.Parse(users.Out);
        Assert.Equal(["alice", "bob"], doc.RootElement.GetProperty("accounts").EnumerateArray().Select(a => a.GetProperty("account").GetString()));
        Assert.Equal(2, bad.Exit);
    }

    [Fact]
    public async Task Prices_ShowsTheCatalogueAndTiers()
    {
        using var cli = new CliRunner();

        var table = await cli.RunAsync("prices", "--category", "model");
        var json = await cli.RunAsync("prices", "--json");

        Assert.Matches(@"(?m)^model\.download\.full_ip\s+1000\s+model$", table.Out);
        Assert.DoesNotContain("cam.cnc_toolpath", table.Out, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^PRO\s+10000\s+49\.00\s+80$", table.Out);
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal(32, doc.RootElement.GetProperty("operations").GetArrayLength());
    }

    [Fact]
    public async Task Verify_CleanLedgerExitsZero_TamperedExitsOneAndListsProblems()
    {
        using var cli = new CliRunner();
        using (var ledger = cli.OpenLedger())
        {
            await ledger.SpendAsync("alice", 10, "x");
        }

        var clean = await cli.RunAsync("verify");
        Tamper(cli.Db, "UPDATE accounts SET balance = balance + 1 WHERE id = 'alice'");
        var tampered = await cli.RunAsync("verify");

        Assert.Equal(0, clean.Exit);
        Assert.Matches(@"(?m)^ok\s+true$", clean.Out);
        Assert.Equal(1, tampered.Exit);
        Assert.Contains("problem: Account alice", tampered.Out, StringComparison.Ordinal);
        Assert.Contains("problem(s)", tampered.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_NeedsTheExactConfirmation()
    {
        using var cli = new CliRunner();
        using (var ledger = cli.OpenLedger())
        {
            await ledger.GrantAsync("alice", 700);
        }

        var wrong = await cli.RunAsync("clear", "alice", "--confirm", "yes");
        var missing = await cli.RunAsync("clear", "alice");
        var right = await cli.RunAsync("clear", "alice", "--confirm", "clear alice", "--json");

        Assert.Equal(2, wrong.Exit);
        Assert.Contains("confirm must equal \"clear alice\"", wrong.Err, StringComparison.Ordinal);
        Assert.Equal(2, missing.Exit);
        Assert.Equal(0, right.Exit);
        Assert.Contains("\"cleared_tokens\":1700", right.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backup_WritesAVerifiableCopy_AndNeverOverwrites()
    {
        using var cli = new CliRunner();
        using (var ledger = cli.OpenLedger())
        {
            await ledger.SpendAsync("alice", 10, "x");
        }

        var target = Path.Combine(cli.Folder, "copy.db");
        var backup = await cli.RunAsync("backup", target);
        var again = await cli.RunAsync("backup", target);

        Assert.Equal(0, backup.Exit);
        Assert.True(File.Exists(target));
        Assert.Equal(string.Empty, backup.Err);
        Assert.Equal(2, again.Exit);
        using var copy = Core.TokenLedger.Open(new Core.LedgerOptions { DatabasePath = target });
        Assert.True((await copy.VerifyAsync()).Ok);
        Assert.Equal(990, (await copy.GetBalanceAsync("alice")).Total);
    }

    [Theory]
    [InlineData("verify")]
    [InlineData("history")]
    [InlineData("backup")]
    public async Task LongWork_ShowsProgressOnStderr_OnlyOnATerminal(string command)
    {
        using var quiet = new CliRunner();
        using var terminal = new CliRunner { Terminal = true };
        foreach (var cli in new[] { quiet, terminal })
        {
            using var ledger = cli.OpenLedger();
            await ledger.SpendAsync("alice", 5, "x");
        }

        string[] Args(CliRunner cli) => command switch
        {
            "history" => ["history", "alice", "--csv"],
            "backup" => ["backup", Path.Combine(cli.Folder, "copy.db")],
            _ => [command],
        };
        var shown = await terminal.RunAsync(Args(terminal));
        var hidden = await quiet.RunAsync(Args(quiet));

        Assert.Equal(0, shown.Exit);
        Assert.Matches(@"\r\w+: [\d,]+/[\d,]+ \(100%\)", shown.Err);
        Assert.Equal(string.Empty, hidden.Err);
        Assert.Equal(shown.Out.Length > 0, hidden.Out.Length > 0);
    }

    [Theory]
    [InlineData("balance")]
    [InlineData("grant")]
    [InlineData("set-tier")]
    [InlineData("purchases")]
    [InlineData("history")]
    [InlineData("usage")]
    [InlineData("escrows")]
    [InlineData("refund")]
    [InlineData("accounts")]
    [InlineData("prices")]
    [InlineData("verify")]
    [InlineData("clear")]
    [InlineData("backup")]
    [InlineData("serve")]
    public async Task EveryCommand_HasHelp(string command)
    {
        using var cli = new CliRunner();

        var (exit, output, _) = await cli.RunAsync(command, "--help");

        Assert.Equal(0, exit);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.Contains("--db", output, StringComparison.Ordinal);
    }

    private static void Tamper(string db, string sql)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
