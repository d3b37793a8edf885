using CycleTokens.Core.Accounts;
using CycleTokens.Core.Charges;
using CycleTokens.Core.History;
using CycleTokens.Core.Storage.Sql;
using CycleTokens.Core.Storage.Sqlite;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Storage;

/// <summary>Product spec section 13: one SQLite file, WAL, synchronous FULL by default, versioned schema, indexed reads.</summary>
[Trait("Backend", "Sqlite")]
public sealed class StorageTests
{
    private const string User = "alice";

    private static TokenLedger Open(TestLedger t, string file, SynchronousMode synchronous = SynchronousMode.Full) =>
        TokenLedger.Open(new LedgerOptions { DatabasePath = Path.Combine(t.Folder, file), Synchronous = synchronous }, t.Clock, new SequentialIdGenerator(file));

    private static long SchemaObjects(string path) => RawDb.Scalar(path, "SELECT COUNT(*) FROM sqlite_master");

    [Fact]
    public async Task LedgerFile_UsesWriteAheadLogging()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync(User, 10, "model.export.step");

        Assert.Equal("wal", RawRows.Text(t.DatabasePath, "PRAGMA journal_mode"));
        Assert.True(File.Exists(t.DatabasePath + "-wal"));
    }

    [Fact]
    public void NewFile_IsMigratedToTheLatestSchemaVersion()
    {
        using var t = new TestLedger();

        Assert.Equal(Migrator.LatestVersion, RawDb.Scalar(t.DatabasePath, "PRAGMA user_version"));
        Assert.True(Migrator.LatestVersion >= 1);
        Assert.Equal(1, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'transactions'"));
    }

    [Fact]
    public async Task ReopeningAFile_KeepsItsDataAndDoesNotMigrateAgain()
    {
        using var t = new TestLedger();
        var path = Path.Combine(t.Folder, "reopen.db");
        string chargeId;
        using (var first = Open(t, "reopen.db"))
        {
            await first.SetTierAsync(User, Tier.Pro);
            chargeId = (await first.ChargeAsync(User, new ChargeRequest("model.export.step"))).TransactionId;
        }

        var objects = SchemaObjects(path);
        var version = RawDb.Scalar(path, "PRAGMA user_version");
        using var second = Open(t, "reopen.db");
        var balance = await second.GetBalanceAsync(User);
        var history = await second.GetHistoryAsync(User, new HistoryQuery());

        Assert.Equal(objects, SchemaObjects(path));
        Assert.Equal(version, RawDb.Scalar(path, "PRAGMA user_version"));
        Assert.Equal(9990, balance.Total);
        Assert.Equal(Tier.Pro, balance.Tier.Tier);
        Assert.Equal(chargeId, history.Transactions[0].Id);
        Assert.True((await second.EstimateAsync(User, "model.export.step")).Cached);
        Assert.True((await second.VerifyAsync()).Ok);
    }

    [Fact]
    public void OpeningAFileWithANewerSchema_Fails()
    {
        using var t = new TestLedger();
        RawDb.Execute(t.DatabasePath, $"PRAGMA user_version = {Migrator.LatestVersion + 1}");

        Assert.Throws<LedgerOpenException>(() => t.OpenAnother());
    }

    [Fact]
    public async Task TwoLedgersOpeningABrandNewFileAtOnce_BothSucceedAndMigrateOnce()
    {
        using var t = new TestLedger();
        for (var round = 0; round < 5; round++)
        {
            var file = $"race{round}.db";
            using var barrier = new Barrier(2);
            var opens = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
            {
                barrier.SignalAndWait();
                return Open(t, file);
            })).ToList();
            var ledgers = await Task.WhenAll(opens);
            try
            {
                await ledgers[0].SpendAsync(User, 10, "model.export.step");
                var balance = await ledgers[1].GetBalanceAsync(User);

                Assert.Equal(990, balance.Total);
                Assert.Equal(Migrator.LatestVersion, RawDb.Scalar(Path.Combine(t.Folder, file), "PRAGMA user_version"));
            }
            finally
            {
                foreach (var ledger in ledgers)
                {
                    ledger.Dispose();
                }
            }
        }
    }

    [Fact]
    public void Synchronous_DefaultsToFull()
    {
        var options = new LedgerOptions { DatabasePath = "ledger.db" };

        Assert.Equal(SynchronousMode.Full, options.Synchronous);
    }

    [Fact]
    public async Task SynchronousNormal_OpensAndKeepsCommittedData()
    {
        using var t = new TestLedger();
        using (var normal = Open(t, "normal.db", SynchronousMode.Normal))
        {
            await normal.SpendAsync(User, 10, "model.export.step");
        }

        using var reopened = Open(t, "normal.db", SynchronousMode.Normal);

        Assert.Equal(990, (await reopened.GetBalanceAsync(User)).Total);
        Assert.Equal("wal", RawRows.Text(Path.Combine(t.Folder, "normal.db"), "PRAGMA journal_mode"));
    }

    [Fact]
    public async Task LedgerFile_IsCreatedWithItsFolder()
    {
        using var t = new TestLedger();
        var path = Path.Combine(t.Folder, "nested", "deeper", "ledger.db");

        using (var ledger = TokenLedger.Open(new LedgerOptions { DatabasePath = path }, t.Clock))
        {
            await ledger.GetBalanceAsync(User);
        }

        Assert.True(File.Exists(path));
    }

    public static TheoryData<string, string> HistoryFilters => new()
    {
        { "none", "ix_tx_account_seq" },
        { "operation", "ix_tx_account_op_seq" },
        { "kind", "ix_tx_account_kind_seq" },
        { "type", "ix_tx_account" },
        { "min", "ix_tx_account" },
        { "operation+type+min", "ix_tx_account_op_seq" },
    };

    [Theory]
    [MemberData(nameof(HistoryFilters))]
    public async Task HistoryQuery_SearchesTheIndexThatFitsItsFilters(string filters, string index)
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync(User, 10, "model.export.step");
        var query = new HistoryQuery
        {
            Operation = filters.Contains("operation", StringComparison.Ordinal) ? "model.export.step" : null,
            Kind = filters.Contains("kind", StringComparison.Ordinal) ? TransactionKind.Spend : null,
            Type = filters.Contains("type", StringComparison.Ordinal) ? TransactionType.Debit : null,
            MinAmount = filters.Contains("min", StringComparison.Ordinal) ? 5 : null,
        };
        var parameters = new List<string> { "$account", "$start", "$cursor", "$limit" };
        parameters.AddRange(new[] { ("$operation", query.Operation), ("$kind", (object?)query.Kind), ("$type", query.Type), ("$min", query.MinAmount) }
            .Where(p => p.Item2 is not null).Select(p => p.Item1));

        var plan = Plan(t, SqlHistoryStore.HistorySql(query), [.. parameters]);

        Assert.Contains(plan, d => d.StartsWith("SEARCH transactions USING INDEX " + index, StringComparison.Ordinal));
        Assert.DoesNotContain(plan, d => d.StartsWith("SCAN transactions", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, d => d.Contains("TEMP B-TREE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UsageQuery_SearchesAnIndexOnTransactions()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync(User, 10, "model.export.step");

        var plan = Plan(t, SqlHistoryStore.UsageSql, "$account", "$start", "$since", "$until");

        Assert.Contains(plan, d => d.StartsWith("SEARCH t USING INDEX ix_tx_account", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, d => d.StartsWith("SCAN t", StringComparison.Ordinal) && !d.Contains("INDEX", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, d => d.StartsWith("SCAN r", StringComparison.Ordinal));
    }

    private static List<string> Plan(TestLedger t, string sql, params string[] parameters)
    {
        var args = parameters.Select(p => (p, p switch
        {
            "$account" => User,
            "$limit" => 100L,
            "$operation" => "model.export.step",
            "$kind" => "spend",
            "$type" => "debit",
            "$min" => 5L,
            "$start" => 0L,
            "$cursor" => long.MaxValue,
            _ => (object?)null,
        })).ToArray();
        var rows = RawRows.Query(t.DatabasePath, "EXPLAIN QUERY PLAN " + sql, args);
        var details = rows.Select(r => (string)r[3]!).ToList();
        Assert.NotEmpty(details);
        return details;
    }
}
