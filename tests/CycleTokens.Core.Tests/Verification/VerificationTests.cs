using CycleTokens.Core.Accounts;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Verification;

/// <summary>
/// Product spec section 6: verification recomputes the hash chain and every balance, checks that postings sum to
/// zero and no user balance is negative, and lists each discrepancy. Tampering goes behind the engine's back.
/// </summary>
public sealed class VerificationTests
{
    /// <summary>
    /// seq 1 tx_000001 alice allowance 1000; seq 2 tx_000002 alice spend 10 (allowance -10, platform +10);
    /// seq 3 tx_000003 alice charge step 10 for creator bob (allowance -10, creator:bob +7, platform +3);
    /// seq 4 tx_000004 dave allowance 1000. Balances: alice 980, dave 1000, platform 13, creator:bob 7, system:allowance -2000.
    /// </summary>
    private static async Task SeedAsync(TestLedger t)
    {
        await t.Ledger.SpendAsync("alice", 10, "model.export.step");
        await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { CreatorId = "bob" });
        await t.Ledger.GetBalanceAsync("dave");
    }

    [Fact]
    public async Task CleanLedger_Verifies()
    {
        using var t = new TestLedger();
        await SeedAsync(t);

        var report = await t.Ledger.VerifyAsync();

        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.True(report.HashChainOk);
        Assert.Equal(0, report.PostingsSum);
        Assert.Empty(report.Problems);
        Assert.Equal(4, report.Transactions);
        Assert.Equal(5, report.Accounts);
    }

    [Fact]
    public async Task EmptyLedger_Verifies()
    {
        using var t = new TestLedger();

        var report = await t.Ledger.VerifyAsync();

        Assert.True(report.Ok);
        Assert.Equal(0, report.Transactions);
        Assert.Equal(0, report.Accounts);
    }

    [Fact]
    public async Task LedgerAfterEveryKindOfMovement_Verifies()
    {
        using var t = new TestLedger();
        await SeedAsync(t);
        await t.Ledger.SetTierAsync("alice", Tier.Pro);
        await t.Ledger.GrantAsync("alice", 300, "bonus");
        var held = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(9_000, "job1", "shop1"));
        var paid = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(500, "job2", "shop1"));
        await t.Ledger.ReleaseEscrowAsync("alice", paid.Escrow.Id);
        var purchase = await t.Ledger.CreatePurchaseAsync("alice", 1000, "btc");
        await t.Ledger.CompletePurchaseAsync(purchase.Purchase.Id);
        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest("ai.generative_design") { CreatorId = "bob" });
        t.Clock.Advance(TimeSpan.FromDays(20)); // April: month reset, the March part of the held escrow expires on cancel
        await t.Ledger.CancelEscrowAsync("alice", held.Escrow.Id);
        await t.Ledger.RefundAsync(charge.TransactionId, "late refund");
        await t.Ledger.ClearAccountAsync("dave", "clear dave");

        var report = await t.Ledger.VerifyAsync();

        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions"), report.Transactions);
    }

    [Fact]
    public async Task TransactionAmountChanged_BreaksTheHashChainAtThatTransactionOnly()
    {
        using var t = new TestLedger();
        await SeedAsync(t);
        RawDb.Execute(t.DatabasePath, "UPDATE transactions SET amount = 11 WHERE id = 'tx_000002'");

        var report = await t.Ledger.VerifyAsync();

        Assert.False(report.Ok);
        Assert.False(report.HashChainOk);
        Assert.Equal(0, report.PostingsSum);
        Assert.Equal(["Transaction tx_000002 (seq 2): stored hash does not match the recomputed chain."], report.Problems);
    }

    [Fact]
    public async Task TransactionBalanceAfterChanged_BreaksTheHashChain()
    {
        using var t = new TestLedger();
        await SeedAsync(t);
        RawDb.Execute(t.DatabasePath, "UPDATE transactions SET balance_after = 5000 WHERE seq = 3");

        var report = await t.Ledger.VerifyAsync();

        Assert.False(report.HashChainOk);
        Assert.Equal(["Transaction tx_000003 (seq 3): stored hash does not match the recomputed chain."], report.Problems);
    }

    [Fact]
    public async Task PostingAmountChanged_IsReportedAsChainSumAndBalanceProblems()
    {
        using var t = new TestLedger();
        await SeedAsync(t);
        RawDb.Execute(t.DatabasePath, "UPDATE postings SET amount = 15 WHERE tx_seq = 2 AND account = 'platform'");

        var report = await t.Ledger.VerifyAsync();

        Assert.False(report.Ok);
        Assert.False(report.HashChainOk);
        Assert.Equal(5, report.PostingsSum);
        Assert.Equal(
            [
                "Transaction tx_000002 (seq 2): stored hash does not match the recomputed chain.",
                "Transaction tx_000002 (seq 2): postings sum to 5, not 0.",
                "All postings sum to 5, not 0.",
                "Account platform: stored balance 13 differs from its postings (18).",
            ],
            report.Problems);
    }

    [Fact]
    public async Task StoredBalanceChanged_IsReportedAsABalanceMismatch()
    {
        using var t = new TestLedger();
        await SeedAsync(t);
        RawDb.Execute(t.DatabasePath, "UPDATE accounts SET balance = balance + 100 WHERE id = 'alice'");

        var report = await t.Ledger.VerifyAsync();

        Assert.False(report.Ok);
        Assert.True(report.HashChainOk);
        Assert.Equal(["Account alice: stored balance 1080 differs from its postings (980)."], report.Problems);
    }

    [Fact]
    public async Task StoredAllowanceAndBalanceChangedTogether_IsReportedAgainstThePostings()
    {
        using var t = new TestLedger();
        await SeedAsync(t);
        RawDb.Execute(t.DatabasePath, "UPDATE accounts SET allowance = allowance + 100, balance = balance + 100 WHERE id = 'alice'");

        var report = await t.Ledger.VerifyAsync();

        Assert.False(report.Ok);
        Assert.Equal(["Account alice: stored allowance 1080 differs from its postings (980)."], report.Problems);
    }

    [Fact]
    public async Task DeletedTransaction_IsReportedAsAGap()
    {
        using var t = new TestLedger();
        await SeedAsync(t);
        // The file enforces the postings' foreign key; a tamperer switches it off first.
        RawDb.Execute(
            t.DatabasePath,
            // The postings stay: only the row goes, as a hand edit that bypasses the foreign key would leave it.
            TestDb.IsPostgres(t.DatabasePath)
                ? "SET session_replication_role = replica; DELETE FROM transactions WHERE seq = 2;"
                : "PRAGMA foreign_keys = OFF; DELETE FROM transactions WHERE seq = 2;");

        var report = await t.Ledger.VerifyAsync();

        Assert.False(report.Ok);
        Assert.False(report.HashChainOk);
        Assert.Equal(3, report.Transactions);
        Assert.Equal(
            [
                "The journal skips from seq 1 to 3: transactions are missing.",
                "Transaction tx_000003 (seq 3): stored hash does not match the recomputed chain.",
                "2 postings belong to no transaction.",
                "Account alice: stored allowance 980 differs from its postings (990).",
                "Account platform: stored balance 13 differs from its postings (3).",
            ],
            report.Problems);
    }

    [Fact]
    public async Task DeletedTransactionWithItsPostings_IsReportedAsAGap()
    {
        using var t = new TestLedger();
        await SeedAsync(t);
        RawDb.Execute(t.DatabasePath, "DELETE FROM postings WHERE tx_seq = 2; DELETE FROM transactions WHERE seq = 2;");

        var report = await t.Ledger.VerifyAsync();

        Assert.False(report.Ok);
        Assert.False(report.HashChainOk);
        Assert.Equal(0, report.PostingsSum);
        Assert.Equal(
            [
                "The journal skips from seq 1 to 3: transactions are missing.",
                "Transaction tx_000003 (seq 3): stored hash does not match the recomputed chain.",
                "Account alice: stored allowance 980 differs from its postings (990).",
                "Account platform: stored balance 13 differs from its postings (3).",
            ],
            report.Problems);
    }

    [Fact]
    public async Task NegativeUserBalance_IsReported()
    {
        using var t = new TestLedger();
        await SeedAsync(t);
        RawDb.Execute(
            t.DatabasePath,
            """
            INSERT INTO accounts (id, kind, balance, allowance, purchased, tier, month_key, history_start, created_ms)
            VALUES ('mallory', 'user', -50, -50, 0, 'FREE', 24314, 0, 0)
            """);

        var report = await t.Ledger.VerifyAsync();

        Assert.False(report.Ok);
        Assert.True(report.HashChainOk);
        Assert.Equal(
            [
                "Account mallory: stored allowance -50 differs from its postings (0).",
                "User mallory has a negative part (allowance -50, purchased 0).",
                "User mallory has a negative balance -50.",
            ],
            report.Problems);
    }

    [Fact]
    public async Task OverdraftWrittenAsConsistentPostings_IsStillReportedAsNegative()
    {
        using var t = new TestLedger();
        await SeedAsync(t);
        // Rewrite the spend to take 1,500 from alice's allowance, keeping stored balances equal to the postings:
        // only the chain and the negative balance give it away.
        RawDb.Execute(t.DatabasePath, "UPDATE postings SET amount = -1500 WHERE tx_seq = 2 AND account = 'alice'");
        RawDb.Execute(t.DatabasePath, "UPDATE postings SET amount = 1500 WHERE tx_seq = 2 AND account = 'platform'");
        RawDb.Execute(t.DatabasePath, "UPDATE accounts SET allowance = -510, balance = -510 WHERE id = 'alice'");
        RawDb.Execute(t.DatabasePath, "UPDATE accounts SET balance = 1503 WHERE id = 'platform'");

        var report = await t.Ledger.VerifyAsync();

        Assert.False(report.Ok);
        Assert.Equal(0, report.PostingsSum);
        Assert.Equal(
            [
                "Transaction tx_000002 (seq 2): stored hash does not match the recomputed chain.",
                "User alice has a negative part (allowance -510, purchased 0).",
                "User alice has a negative balance -510.",
            ],
            report.Problems);
    }

    [Fact]
    public async Task NegativePayeeBalance_IsReported()
    {
        using var t = new TestLedger();
        await SeedAsync(t);
        RawDb.Execute(t.DatabasePath, "UPDATE accounts SET balance = -5 WHERE id = 'creator:bob'");

        var report = await t.Ledger.VerifyAsync();

        Assert.Equal(
            [
                "Account creator:bob: stored balance -5 differs from its postings (7).",
                "Account creator:bob (creator) has a negative balance -5.",
            ],
            report.Problems);
    }
}
