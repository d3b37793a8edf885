using System.Collections.Concurrent;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Purchases;
using CycleTokens.Core.Storage.Sqlite;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Invariants;

/// <summary>
/// Several connections to one file (as several server processes would hold) racing on one account: no
/// overdraft, no lost update, no double effect of a retried key, and no SQLite error escaping the engine.
/// </summary>
public sealed class RaceTests
{
    private const string User = "racer";
    private const int Connections = 4;

    [Fact]
    public async Task Charges_FromFourConnectionsBeyondTheBalance_ExactlyTheAffordableOnesSucceed()
    {
        for (var round = 0; round < 3; round++)
        {
            using var t = new TestLedger();
            Assert.Equal(1000, (await t.Ledger.GetBalanceAsync(User)).Total);
            var failures = new ConcurrentBag<string>();

            // 4 x 60 charges of 10 tokens, each with its own params (never a cache discount), against 1,000 tokens.
            var succeeded = await Race.RunAsync(Open(t), async (ledger, worker) =>
            {
                var ok = 0;
                for (var i = 0; i < 60; i++)
                {
                    var request = new ChargeRequest("model.export.step") { Params = TestLedger.Json($"{{\"worker\":{worker},\"i\":{i}}}") };
                    try
                    {
                        var charge = await ledger.ChargeAsync(User, request);
                        Assert.Equal(10, charge.Charged);
                        ok++;
                    }
                    catch (LedgerException ex) when (ex.Code == LedgerErrorCode.InsufficientTokens)
                    {
                        failures.Add(ex.Message);
                    }
                }

                return ok;
            });

            Assert.Equal(100, succeeded.Sum());
            Assert.Equal(140, failures.Count);
            // Balances only fall in steps of 10 from 1,000: a refusal that saw anything but 0 read a stale balance.
            Assert.All(failures, message => Assert.Equal("Insufficient tokens: have 0, need 10", message));

            var balance = await t.Ledger.GetBalanceAsync(User);
            Assert.Equal(0, balance.Total);
            Assert.Equal(0, balance.Allowance);
            Assert.Equal(100 * 10, balance.UsedThisMonth);
            Assert.Equal(1000, RawDb.Scalar(t.DatabasePath, "SELECT balance FROM accounts WHERE id = 'platform'"));
            Assert.Equal(100, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions WHERE kind = 'charge'"));
            Assert.Equal(101, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions"));
            await AssertCleanAsync(t, expectedTransactions: 101);
        }
    }

    [Fact]
    public async Task Charges_FromFourConnectionsInLockStep_StopExactlyAtTheBalance()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync(User);
        var connections = Open(t);
        var succeeded = 0;

        // Each round releases one charge per connection at the same instant, so every commit races three others.
        for (var round = 0; round < 40; round++)
        {
            var outcomes = await Race.RunAsync(connections, async (ledger, worker) =>
            {
                var request = new ChargeRequest("model.export.step") { Params = TestLedger.Json($"{{\"round\":{round},\"worker\":{worker}}}") };
                try
                {
                    return (await ledger.ChargeAsync(User, request)).BalanceAfter;
                }
                catch (LedgerException ex) when (ex.Code == LedgerErrorCode.InsufficientTokens)
                {
                    Assert.Equal("Insufficient tokens: have 0, need 10", ex.Message);
                    return -1;
                }
            });

            var balances = outcomes.Where(b => b >= 0).ToList();
            succeeded += balances.Count;
            // Four serialised debits of 10: each saw the one before it, so the balances after are distinct.
            Assert.Equal(balances.Count, balances.Distinct().Count());
            Assert.Equal(round < 25 ? 4 : 0, balances.Count);
        }

        Assert.Equal(100, succeeded);
        Assert.Equal(0, (await t.Ledger.GetBalanceAsync(User)).Total);
        Assert.Equal(1000, RawDb.Scalar(t.DatabasePath, "SELECT balance FROM accounts WHERE id = 'platform'"));
        await AssertCleanAsync(t, expectedTransactions: 101);
    }

    [Fact]
    public async Task EscrowsAndSpends_FromFourConnections_NeverOverdrawAndEachEscrowEndsOnce()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync(User, 500);
        var connections = Open(t);
        var failedAmounts = new ConcurrentBag<long>();
        var escrowIds = new ConcurrentBag<string>();

        // Workers 0 and 1 hold 30 tokens per escrow, 2 and 3 spend 20: 4,000 tokens asked of 1,500.
        var spent = await Race.RunAsync(connections, async (ledger, worker) =>
        {
            long total = 0;
            for (var i = 0; i < 40; i++)
            {
                var amount = worker < 2 ? 30 : 20;
                try
                {
                    if (worker < 2)
                    {
                        var escrow = await ledger.CreateEscrowAsync(User, new EscrowRequest(amount, $"job-{worker}-{i}", "fab_race"));
                        escrowIds.Add(escrow.Escrow.Id);
                    }
                    else
                    {
                        await ledger.SpendAsync(User, amount, "race.spend");
                        total += amount;
                    }
                }
                catch (LedgerException ex) when (ex.Code == LedgerErrorCode.InsufficientTokens)
                {
                    Assert.StartsWith("Insufficient tokens: have ", ex.Message);
                    failedAmounts.Add(amount);
                }
            }

            return total;
        });

        var held = escrowIds.Count * 30L;
        var balance = await t.Ledger.GetBalanceAsync(User);
        Assert.Equal(1500 - held - spent.Sum(), balance.Total);
        Assert.Equal(held, balance.HeldInEscrow);
        Assert.NotEmpty(failedAmounts);
        // The balance only falls: once a call was refused for want of X tokens, fewer than X remain.
        Assert.True(balance.Total < failedAmounts.Min(), $"balance {balance.Total} left although a call for {failedAmounts.Min()} was refused");
        Assert.Equal(escrowIds.Count, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM escrows WHERE status = 'held'"));
        Assert.Equal(held, RawDb.Scalar(t.DatabasePath, "SELECT COALESCE(SUM(balance), 0) FROM accounts WHERE kind = 'escrow'"));
        await AssertCleanAsync(t);

        // Every escrow is released by two connections and cancelled by two others at the same time: exactly one wins.
        var ids = escrowIds.Order(StringComparer.Ordinal).ToList();
        var wins = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var released = await Race.RunAsync(connections, async (ledger, worker) =>
        {
            var releases = 0;
            foreach (var id in ids)
            {
                try
                {
                    if (worker % 2 == 0)
                    {
                        await ledger.ReleaseEscrowAsync(User, id);
                        releases++;
                    }
                    else
                    {
                        await ledger.CancelEscrowAsync(User, id);
                    }

                    wins.AddOrUpdate(id, 1, (_, n) => n + 1);
                }
                catch (LedgerException ex) when (ex.Code == LedgerErrorCode.EscrowNotHeld)
                {
                    Assert.StartsWith($"Escrow {id} is not held (status: ", ex.Message);
                }
            }

            return releases;
        });

        Assert.Equal(ids.Count, wins.Count);
        Assert.All(wins.Values, n => Assert.Equal(1, n));
        var paid = released.Sum() * 30L;
        Assert.Equal(paid, RawDb.Scalar(t.DatabasePath, "SELECT COALESCE(SUM(balance), 0) FROM accounts WHERE id = 'fab:fab_race'"));
        Assert.Equal(0, RawDb.Scalar(t.DatabasePath, "SELECT COALESCE(SUM(balance), 0) FROM accounts WHERE kind = 'escrow'"));
        Assert.Equal(0, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM escrows WHERE status = 'held'"));
        var after = await t.Ledger.GetBalanceAsync(User);
        Assert.Equal(1500 - spent.Sum() - paid, after.Total);
        Assert.Equal(0, after.HeldInEscrow);
        await AssertCleanAsync(t);
    }

    [Fact]
    public async Task SameIdempotencyKey_FromFourConnectionsAtOnce_ChargesExactlyOnce()
    {
        using var t = new TestLedger();
        var connections = Open(t);
        for (var round = 0; round < 10; round++)
        {
            var request = new ChargeRequest("ai.design_review") { Params = TestLedger.Json($"{{\"round\":{round}}}"), IdempotencyKey = $"retry-{round}" };
            var results = await Race.RunAsync(connections, (ledger, _) => ledger.ChargeAsync(User, request));

            var first = Assert.Single(results, r => !r.Replayed);
            Assert.Equal(15, first.Charged);
            Assert.All(results, r => Assert.Equal(first with { Replayed = r.Replayed }, r));
        }

        Assert.Equal(1000 - (10 * 15), (await t.Ledger.GetBalanceAsync(User)).Total);
        Assert.Equal(10, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions WHERE kind = 'charge'"));
        Assert.Equal(10, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM idempotency"));
        await AssertCleanAsync(t, expectedTransactions: 11);
    }

    [Fact]
    public async Task SameIdempotencyKey_FromFourConnectionsAtOnce_StoresOneFailure()
    {
        using var t = new TestLedger();
        var connections = Open(t);
        for (var round = 0; round < 10; round++)
        {
            var key = $"broke-{round}";
            var errors = await Race.RunAsync(connections, async (ledger, _) =>
            {
                try
                {
                    await ledger.SpendAsync(User, 5000, "too.much", null, key);
                    return null;
                }
                catch (LedgerException ex)
                {
                    return ex;
                }
            });

            Assert.All(errors, e => Assert.Equal(LedgerErrorCode.InsufficientTokens, e?.Code));
            Assert.All(errors, e => Assert.Equal("Insufficient tokens: have 1000, need 5000", e!.Message));
            Assert.Single(errors, e => !e!.Replayed);
        }

        Assert.Equal(1000, (await t.Ledger.GetBalanceAsync(User)).Total);
        Assert.Equal(0, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions WHERE kind = 'spend'"));
        Assert.Equal(10, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM idempotency"));
        await AssertCleanAsync(t, expectedTransactions: 1);
    }

    [Fact]
    public async Task RefundAndPurchaseCompletion_FromFourConnectionsAtOnce_TakeEffectOnce()
    {
        using var t = new TestLedger();
        var connections = Open(t);
        for (var round = 0; round < 10; round++)
        {
            var charge = await t.Ledger.ChargeAsync(User, new ChargeRequest("ai.design_review") { Params = TestLedger.Json($"{{\"round\":{round}}}"), CreatorId = "bob" });
            var refunds = await Race.RunAsync(connections, async (ledger, _) =>
            {
                try
                {
                    return (await ledger.RefundAsync(charge.TransactionId, "race")).Refunded;
                }
                catch (LedgerException ex) when (ex.Code == LedgerErrorCode.AlreadyRefunded)
                {
                    return -1;
                }
            });
            Assert.Equal(15, Assert.Single(refunds, r => r >= 0));

            var purchase = await t.Ledger.CreatePurchaseAsync(User, 1000, "card");
            var completions = await Race.RunAsync(connections, (ledger, _) => ledger.CompletePurchaseAsync(purchase.Purchase.Id));
            Assert.Single(completions, c => !c.Replayed);
            Assert.All(completions, c => Assert.Equal(PurchaseStatus.Completed, c.Purchase.Status));
        }

        var balance = await t.Ledger.GetBalanceAsync(User);
        Assert.Equal(1000, balance.Allowance);
        Assert.Equal(10 * 1000, balance.Purchased);
        Assert.Equal(0, RawDb.Scalar(t.DatabasePath, "SELECT COALESCE(SUM(balance), 0) FROM accounts WHERE id IN ('platform', 'creator:bob')"));
        Assert.Equal(10, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions WHERE kind = 'refund'"));
        Assert.Equal(10, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions WHERE kind = 'purchase'"));
        await AssertCleanAsync(t, expectedTransactions: 1 + (3 * 10));
    }

    [Fact]
    public async Task Open_FromFourThreadsOnANewFile_MigratesOnceAndServesEveryConnection()
    {
        using var t = new TestLedger();
        for (var round = 0; round < 10; round++)
        {
            var options = t.Options with { DatabasePath = System.IO.Path.Combine(t.Folder, $"fresh-{round}.db") };
            var opened = await Race.RunAsync(Connections, worker => Task.FromResult(TokenLedger.Open(options, t.Clock, new SequentialIdGenerator($"o{worker}"))));
            try
            {
                var charges = await Race.RunAsync(opened, (ledger, worker) =>
                    ledger.ChargeAsync(User, new ChargeRequest("model.export.step") { Params = TestLedger.Json($"{{\"worker\":{worker}}}") }));
                Assert.Equal(
                    [960, 970, 980, 990],
                    charges.Select(c => c.BalanceAfter).Order());
                Assert.Equal(Migrator.LatestVersion, RawDb.Scalar(options.DatabasePath, "PRAGMA user_version"));
                Assert.Equal(1, RawDb.Scalar(options.DatabasePath, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"));
                var report = await opened[0].VerifyAsync();
                Assert.True(report.Ok, string.Join("\n", report.Problems));
                Assert.Equal(5, report.Transactions);
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

    private static TokenLedger[] Open(TestLedger t) =>
        Enumerable.Range(0, Connections).Select(i => t.OpenAnother(idTag: $"c{i}")).ToArray();

    private static async Task AssertCleanAsync(TestLedger t, long? expectedTransactions = null)
    {
        using var probe = new JournalProbe(t.DatabasePath);
        var problems = probe.Advance();
        problems.AddRange(probe.FullCheck());
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        var report = await t.Ledger.VerifyAsync();
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        if (expectedTransactions is { } n)
        {
            Assert.Equal(n, report.Transactions);
        }
    }
}
