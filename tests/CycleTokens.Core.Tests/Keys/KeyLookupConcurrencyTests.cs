using CycleTokens.Core.Charges;
using CycleTokens.Core.Keys;
using CycleTokens.Core.Tests.Support;
using Microsoft.Data.Sqlite;

namespace CycleTokens.Core.Tests.Keys;

/// <summary>
/// Key lookups read beside the engine's own connection: an HTTP server authenticates every request, and a lookup that
/// queued behind write batches would leave the writer idle while the next requests authenticate one by one.
/// </summary>
public sealed class KeyLookupConcurrencyTests
{
    [Fact]
    public async Task Authenticate_AnswersWhileAWriteOfTheSameLedgerWaitsForTheFilesLock()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateKeyAsync("alice");
        await t.Ledger.AuthenticateAsync(created.Secret); // records the use: the next lookup within a minute only reads

        await using var holder = new SqliteConnection($"Data Source={t.DatabasePath};Pooling=false");
        await holder.OpenAsync();
        using (var begin = holder.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            await begin.ExecuteNonQueryAsync();
        }

        // On another thread: the write blocks inside SQLite while it waits for the lock.
        var charge = Task.Run(() => t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step")));
        // Time for the charge's batch to take the engine's gate and wait for the file's lock (it cannot finish before
        // the rollback below, however long this takes).
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.False(charge.IsCompleted);

        var auth = await t.Ledger.AuthenticateAsync(created.Secret).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(auth.Succeeded);
        Assert.False(charge.IsCompleted, "the charge should still be waiting for the lock");
        using (var rollback = holder.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }

        Assert.Equal(990, (await charge).BalanceAfter);
    }

    [Fact]
    public async Task Authenticate_SeesARevocationCommittedByTheSameEngineAtOnce_AndByAnotherConnection()
    {
        using var t = new TestLedger();
        using var other = t.OpenAnother();
        var mine = await t.Ledger.CreateKeyAsync("alice");
        var theirs = await t.Ledger.CreateKeyAsync("bob");
        Assert.True((await t.Ledger.AuthenticateAsync(mine.Secret)).Succeeded);
        Assert.True((await t.Ledger.AuthenticateAsync(theirs.Secret)).Succeeded);

        await t.Ledger.RevokeKeyAsync(mine.Key.Id);
        await other.RevokeKeyAsync(theirs.Key.Id);

        Assert.Equal(KeyAuthFailure.Revoked, (await t.Ledger.AuthenticateAsync(mine.Secret)).Failure);
        Assert.Equal(KeyAuthFailure.Revoked, (await t.Ledger.AuthenticateAsync(theirs.Secret)).Failure);
    }

    [Fact]
    public async Task ManyConcurrentLookups_AllAnswer_WithWritesGoingOn()
    {
        using var t = new TestLedger();
        var keys = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => t.Ledger.CreateKeyAsync($"user{i}")));

        var lookups = Enumerable.Range(0, 200).Select(i => t.Ledger.AuthenticateAsync(keys[i % keys.Length].Secret));
        var charges = Enumerable.Range(0, 40).Select(i => t.Ledger.ChargeAsync($"user{i % 8}", new ChargeRequest("model.export.step")));
        var results = await Task.WhenAll(lookups);
        await Task.WhenAll(charges);

        Assert.All(results, r => Assert.True(r.Succeeded));
        Assert.All(Enumerable.Range(0, 200), i => Assert.Equal(keys[i % keys.Length].Key.Id, results[i].Key!.Id));
        Assert.True((await t.Ledger.VerifyAsync()).Ok);
    }
}
