using System.Text.Json;
using CycleTokens.Core;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Tests.Support;
using Microsoft.Data.Sqlite;

namespace CycleTokens.Mcp.Tests.Cli;

/// <summary>
/// Issue 13 item 4: <c>cycletokens migrate-store --from A --to B</c> copies a ledger between SQLite and PostgreSQL,
/// reports each table's rows in both and the target's verification (table or <c>--json</c>), exits 1 when anything
/// differs or the target is refused, and shows progress only on a terminal.
/// </summary>
public sealed class CliMigrateStoreTests
{
    private static readonly string[] Tables =
        ["accounts", "transactions", "postings", "refunds", "discount_cache", "escrows", "purchases", "idempotency", "usage_months", "pending_work", "api_keys", "credential_spend", "budget_holds", "low_balance", "reservations"];

    // What an operator reads from a ledger: it must read the same from every copy.
    private static readonly string[][] Reads =
    [
        ["accounts", "--json"],
        ["history", "alice", "--json", "--limit", "1000"],
        ["usage", "alice", "--json"],
        ["escrows", "list", "alice", "--json"],
        ["purchases", "list", "--json"],
        ["keys", "list", "--json"],
    ];

    [PostgresFact]
    public async Task SqliteToPostgresAndBack_ReportsEveryTable_AndEachCopyReadsAsTheOriginal()
    {
        using var cli = new CliRunner();
        await using var pg = await TestPostgresDatabase.CreateAsync(CancellationToken.None);
        await FillAsync(cli);
        var back = Path.Combine(cli.Folder, "back.db");

        // The test server trusts local connections, so a password is accepted and ignored: it must not be shown.
        var withPassword = pg.Uri.Replace("postgres@", "postgres:s3cret@", StringComparison.Ordinal);
        var there = await cli.RunRawAsync("migrate-store", "--from", cli.Db, "--to", withPassword, "--json");
        var again = await cli.RunRawAsync("migrate-store", "--from", pg.Uri, "--to", back);

        Assert.True(there.Exit == 0, there.Err);
        using var report = JsonDocument.Parse(there.Out);
        var root = report.RootElement;
        Assert.True(root.GetProperty("ok").GetBoolean());
        Assert.Equal(cli.Db, root.GetProperty("from").GetString());
        Assert.Equal(pg.Uri.Replace("postgres@", "postgres:***@", StringComparison.Ordinal), root.GetProperty("to").GetString());
        Assert.DoesNotContain("s3cret", there.Out, StringComparison.Ordinal);
        Assert.Equal(Tables, root.GetProperty("tables").EnumerateArray().Select(t => t.GetProperty("table").GetString()));
        Assert.All(root.GetProperty("tables").EnumerateArray(), t => Assert.Equal(t.GetProperty("source").GetInt64(), t.GetProperty("target").GetInt64()));
        Assert.Equal(root.GetProperty("tables").EnumerateArray().Sum(t => t.GetProperty("source").GetInt64()), root.GetProperty("rows").GetInt64());
        Assert.True(root.GetProperty("verification").GetProperty("hash_chain_ok").GetBoolean());
        Assert.Equal(string.Empty, there.Err);

        Assert.True(again.Exit == 0, again.Err);
        Assert.Matches(@"(?m)^table\s+source\s+target$", again.Out);
        Assert.Matches(@"(?m)^transactions\s+(\d+)\s+\1$", again.Out);
        Assert.Matches(@"(?m)^verified\s+true$", again.Out);
        Assert.Matches(@"(?m)^ok\s+true$", again.Out);

        foreach (var read in Reads)
        {
            var original = await cli.RunRawAsync([.. read, "--db", cli.Db]);
            Assert.Equal(0, original.Exit);
            Assert.Equal(original.Out, (await cli.RunRawAsync([.. read, "--db", pg.Uri])).Out);
            Assert.Equal(original.Out, (await cli.RunRawAsync([.. read, "--db", back])).Out);
        }

        Assert.Equal(0, (await cli.RunRawAsync("verify", "--db", pg.Uri)).Exit);
        Assert.Equal(0, (await cli.RunRawAsync("verify", "--db", back)).Exit);
    }

    [Fact]
    public async Task NonEmptyTarget_ExitsOne_SayingSo_AndWithJsonAnErrorObject()
    {
        using var cli = new CliRunner();
        await FillAsync(cli);
        var target = Path.Combine(cli.Folder, "other.db");
        using (var other = Core.TokenLedger.Open(new LedgerOptions { DatabasePath = target }))
        {
            await other.GrantAsync("bob", 1);
        }

        var before = await BalanceAsync(target, "bob");

        var text = await cli.RunRawAsync("migrate-store", "--from", cli.Db, "--to", target);
        var json = await cli.RunRawAsync("migrate-store", "--from", cli.Db, "--to", target, "--json");

        Assert.Equal(1, text.Exit);
        Assert.Equal(string.Empty, text.Out);
        Assert.StartsWith($"cycletokens: The target {target} is not empty (", text.Err, StringComparison.Ordinal);
        Assert.Equal(1, json.Exit);
        using var error = JsonDocument.Parse(json.Out);
        Assert.Equal(1, error.RootElement.GetProperty("exit_code").GetInt32());
        Assert.Contains("is not empty", error.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await BalanceAsync(target, "bob"));
        Assert.Equal(1, Rows(target, "SELECT COUNT(*) FROM accounts WHERE id = 'bob'"));
        Assert.Equal(0, Rows(target, "SELECT COUNT(*) FROM accounts WHERE id = 'alice'"));
    }

    [Fact]
    public async Task SameLedger_ExitsOne()
    {
        using var cli = new CliRunner();
        await FillAsync(cli);

        var (exit, stdout, stderr) = await cli.RunRawAsync("migrate-store", "--from", cli.Db, "--to", Path.Combine(cli.Folder, ".", "ledger.db"));

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal("cycletokens: The source and the target are the same ledger: a ledger cannot be copied onto itself." + Environment.NewLine, stderr);
    }

    [Theory]
    [InlineData("--to", "copy.db")]
    [InlineData("--from", "ledger.db")]
    [InlineData("--from", "ledger.db", "--to", "")]
    [InlineData("--from", "ledger.db", "--to", "copy.db", "--db", "ledger.db")]
    public async Task MissingEmptyOrExtraLocation_IsAUsageError_AndCopiesNothing(params string[] args)
    {
        using var cli = new CliRunner();
        await FillAsync(cli);
        var rooted = args.Select(a => a.EndsWith(".db", StringComparison.Ordinal) ? Path.Combine(cli.Folder, a) : a).ToArray();

        var (exit, _, stderr) = await cli.RunRawAsync(["migrate-store", .. rooted]);

        Assert.Equal(2, exit);
        Assert.Matches("--from|--to|--db", stderr);
        Assert.False(File.Exists(Path.Combine(cli.Folder, "copy.db")));
    }

    [Fact]
    public async Task SourceMissing_ExitsOne_NamingIt_AndCreatesNoTarget()
    {
        using var cli = new CliRunner();
        var target = Path.Combine(cli.Folder, "copy.db");

        var (exit, _, stderr) = await cli.RunRawAsync("migrate-store", "--from", cli.Db, "--to", target);

        Assert.Equal(1, exit);
        Assert.StartsWith($"cycletokens: No ledger at {cli.Db}", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public async Task UnreachablePostgresTarget_ExitsOne_NamingIt_WithoutItsPassword()
    {
        using var cli = new CliRunner();
        await FillAsync(cli);
        var nowhere = $"postgresql://postgres:s3cret@/ledger?host={Uri.EscapeDataString(Path.Combine(cli.Folder, "no-socket"))}&connect_timeout=2";

        var (exit, stdout, stderr) = await cli.RunRawAsync("migrate-store", "--from", cli.Db, "--to", nowhere, "--json");

        Assert.Equal(1, exit);
        Assert.StartsWith("cycletokens: Cannot open the ledger postgresql://postgres:***@/ledger?host=", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", stderr + stdout, StringComparison.Ordinal);
        Assert.Equal(1, JsonDocument.Parse(stdout).RootElement.GetProperty("exit_code").GetInt32());
    }

    [Fact]
    public async Task CopyThatFailsVerification_ExitsOne_ListingTheProblems()
    {
        using var cli = new CliRunner();
        await FillAsync(cli);
        using (var connection = new SqliteConnection($"Data Source={cli.Db};Pooling=False"))
        {
            connection.Open();
            using var tamper = connection.CreateCommand();
            tamper.CommandText = "UPDATE transactions SET amount = amount + 1 WHERE seq = 3";
            tamper.ExecuteNonQuery();
        }

        var text = await cli.RunRawAsync("migrate-store", "--from", cli.Db, "--to", Path.Combine(cli.Folder, "copy.db"));
        var json = await cli.RunRawAsync("migrate-store", "--from", cli.Db, "--to", Path.Combine(cli.Folder, "copy2.db"), "--json");

        Assert.Equal(1, text.Exit);
        Assert.Matches(@"(?m)^verified\s+false$", text.Out);
        Assert.Matches(@"(?m)^counts_match\s+true$", text.Out);
        Assert.Contains("problem: Transaction ", text.Out, StringComparison.Ordinal);
        Assert.Matches(@"^The copy fails verification: \d+ problem\(s\)\.", text.Err);
        Assert.Equal(1, json.Exit);
        using var report = JsonDocument.Parse(json.Out);
        Assert.False(report.RootElement.GetProperty("ok").GetBoolean());
        Assert.False(report.RootElement.GetProperty("verification").GetProperty("hash_chain_ok").GetBoolean());
    }

    [Fact]
    public async Task Progress_IsShownOnATerminal_AndNowhereElse()
    {
        using var quiet = new CliRunner();
        using var terminal = new CliRunner { Terminal = true };
        await FillAsync(quiet);
        await FillAsync(terminal);

        var shown = await terminal.RunRawAsync("migrate-store", "--from", terminal.Db, "--to", Path.Combine(terminal.Folder, "copy.db"));
        var hidden = await quiet.RunRawAsync("migrate-store", "--from", quiet.Db, "--to", Path.Combine(quiet.Folder, "copy.db"));

        Assert.Equal((0, 0), (shown.Exit, hidden.Exit));
        Assert.Matches(@"\rmigrate-store: [\d,]+/[\d,]+ \(100%\)", shown.Err);
        Assert.Matches(@"\rverify: [\d,]+/[\d,]+ \(100%\)", shown.Err);
        Assert.Equal(string.Empty, hidden.Err);
    }

    [Fact]
    public async Task Help_NamesBothOptions()
    {
        using var cli = new CliRunner();

        var (exit, stdout, _) = await cli.RunRawAsync("migrate-store", "--help");

        Assert.Equal(0, exit);
        Assert.Matches(@"--from <from>\s+\(REQUIRED\)\s+The ledger to copy", stdout);
        Assert.Matches(@"--to <to>\s+\(REQUIRED\)\s+Where to copy it", stdout);
    }

    /// <summary>A ledger with charges (one with a creator, one keyed), a spend, an escrow, a purchase and an API key.</summary>
    private static async Task FillAsync(CliRunner cli)
    {
        using var ledger = cli.OpenLedger();
        await ledger.GrantAsync("alice", 500);
        await ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { CreatorId = "maker-1" });
        await ledger.ChargeAsync("alice", new ChargeRequest("ai.design_review") { IdempotencyKey = "k1" });
        await ledger.SpendAsync("alice", 12, "cam.slice.model");
        await ledger.CreateEscrowAsync("alice", new EscrowRequest(40, "job-1", "shop-1"));
        await ledger.CreatePurchaseAsync("alice", 1000, "card");
        await ledger.CreateKeyAsync("alice", name: "agent");
    }

    private static long Rows(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    private static async Task<long> BalanceAsync(string path, string account)
    {
        using var ledger = Core.TokenLedger.Open(new LedgerOptions { DatabasePath = path, ReadOnly = true });
        return (await ledger.GetBalanceAsync(account)).Total;
    }
}
