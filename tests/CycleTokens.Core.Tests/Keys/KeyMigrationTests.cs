using CycleTokens.Core.Charges;
using CycleTokens.Core.Storage.Sqlite;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Keys;

/// <summary>Schema 3 adds <c>api_keys</c> to an existing file without touching its journal.</summary>
[Trait("Backend", "Sqlite")]
public sealed class KeyMigrationTests
{
    [Fact]
    public async Task OpeningASchema2File_AddsTheKeysTable_KeepsEverything_AndKeysWork()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 300);
        await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step"));
        var balance = (await t.Ledger.GetBalanceAsync("alice")).Total;
        var path = Path.Combine(t.Folder, "v2.db");
        await t.Ledger.BackupAsync(path);
        RawDb.Execute(path, "DROP TABLE reservations; DROP TABLE low_balance; DROP TABLE budget_holds; DROP TABLE credential_spend; DROP TABLE api_keys; PRAGMA user_version = 2;");
        var transactions = RawDb.Scalar(path, "SELECT COUNT(*) FROM transactions");

        using var reopened = TokenLedger.Open(t.Options with { DatabasePath = path }, t.Clock, new SequentialIdGenerator("m"));

        Assert.Equal(Migrator.LatestVersion, RawDb.Scalar(path, "PRAGMA user_version"));
        Assert.Equal(transactions, LedgerChecks.Counts(path).Transactions);
        Assert.Equal(balance, (await reopened.GetBalanceAsync("alice")).Total);
        var created = await reopened.CreateKeyAsync("alice");
        Assert.True((await reopened.AuthenticateAsync(created.Secret)).Succeeded);
        Assert.True((await reopened.VerifyAsync()).Ok);
    }

    [Fact]
    public async Task ASchema2FileOpenedByFourConnectionsAtOnce_IsMigratedOnce()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 300);
        var path = Path.Combine(t.Folder, "v2.db");
        await t.Ledger.BackupAsync(path);
        RawDb.Execute(path, "DROP TABLE reservations; DROP TABLE low_balance; DROP TABLE budget_holds; DROP TABLE credential_spend; DROP TABLE api_keys; PRAGMA user_version = 2;");

        var opened = await Race.RunAsync(4, worker => Task.FromResult(TokenLedger.Open(t.Options with { DatabasePath = path }, t.Clock, new SequentialIdGenerator($"w{worker}"))));
        try
        {
            var keys = await Race.RunAsync(opened, (ledger, worker) => ledger.CreateKeyAsync("alice", name: $"w{worker}"));

            Assert.Equal(Migrator.LatestVersion, RawDb.Scalar(path, "PRAGMA user_version"));
            Assert.Equal(4, RawDb.Scalar(path, "SELECT COUNT(*) FROM api_keys"));
            foreach (var key in keys)
            {
                Assert.True((await opened[0].AuthenticateAsync(key.Secret)).Succeeded);
            }

            Assert.True((await opened[0].VerifyAsync()).Ok);
        }
        finally
        {
            foreach (var ledger in opened)
            {
                ledger.Dispose();
            }
        }
    }
}
