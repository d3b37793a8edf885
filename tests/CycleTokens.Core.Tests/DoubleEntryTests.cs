using CycleTokens.Core.Accounts;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests;

public sealed class DoubleEntryTests
{
    [Fact]
    public async Task EveryMovement_PostingsSumToZero_AndStoredBalancesEqualPostingSums()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 700);
        await t.Ledger.SetTierAsync("bob", Tier.Pro);
        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest("ai.design_review") { CreatorId = "carol", Quantity = 10 });
        await t.Ledger.ChargeAsync("bob", new ChargeRequest("cam.cnc_toolpath") { CreatorId = "carol" });
        await t.Ledger.SpendAsync("alice", 900, "render");
        var held = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(500, "job-1", "shop"));
        var expiring = await t.Ledger.CreateEscrowAsync("bob", new EscrowRequest(3000, "job-2", "shop") { ExpiresInHours = 30 });
        await t.Ledger.ReleaseEscrowAsync("alice", held.Escrow.Id);
        var purchase = await t.Ledger.CreatePurchaseAsync("bob", 5000, "usdc");
        await t.Ledger.CompletePurchaseAsync(purchase.Purchase.Id);
        await t.Ledger.RefundAsync(charge.TransactionId, "test");
        t.Clock.SetUtcNow(new DateTimeOffset(2026, 4, 1, 1, 0, 0, TimeSpan.Zero));
        await t.Ledger.GetBalanceAsync("alice");
        await t.Ledger.GetBalanceAsync("bob");

        Assert.Equal(0, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM (SELECT tx_seq FROM postings GROUP BY tx_seq HAVING SUM(amount) <> 0) AS unbalanced"));
        Assert.Equal(0, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions t WHERE t.amount > 0 AND (SELECT COUNT(*) FROM postings p WHERE p.tx_seq = t.seq) < 2"));
        Assert.Equal(EscrowStatus.Cancelled, (await t.Ledger.GetEscrowAsync("bob", expiring.Escrow.Id)).Status);
        LedgerChecks.AssertBalanced(t.DatabasePath);
        var report = await t.Ledger.VerifyAsync();
        Assert.True(report.Ok, string.Join("\n", report.Problems));
    }

    [Fact]
    public async Task Balances_CanBeRecomputedFromPostings_ForEveryAccount()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 250);
        await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.download.full_ip") { CreatorId = "bob" });
        var escrow = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(100, "job", "shop"));

        var rows = RawRows.Query(t.DatabasePath, """
            SELECT a.id, a.balance, CAST((SELECT COALESCE(SUM(p.amount), 0) FROM postings p WHERE p.account = a.id) AS BIGINT)
              FROM accounts a ORDER BY a.id
            """);

        Assert.Equal(
            [
                ("alice", 150L),
                ("creator:bob", 700L),
                ("escrow:" + escrow.Escrow.Id, 100L),
                ("platform", 300L),
                ("system:allowance", -1000L),
                ("system:grants", -250L),
            ],
            rows.Select(r => ((string)r[0]!, (long)r[1]!)));
        Assert.All(rows, r => Assert.Equal(r[1], r[2]));
    }
}
