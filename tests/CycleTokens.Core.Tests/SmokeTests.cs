using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests;

public sealed class SmokeTests
{
    [Fact]
    public async Task NewUser_ChargeEscrowPurchaseRefund_LedgerVerifies()
    {
        using var t = new TestLedger();
        var balance = await t.Ledger.GetBalanceAsync("alice");
        Assert.Equal(1000, balance.Total);

        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { CreatorId = "bob" });
        Assert.Equal(10, charge.Charged);
        Assert.Equal(7, charge.CreatorShare);
        Assert.Equal(3, charge.PlatformShare);
        Assert.Equal(990, charge.BalanceAfter);

        var escrow = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(500, "job_fab_123", "fab_shop_456"));
        Assert.Equal(490, escrow.BalanceAfter);
        await t.Ledger.ReleaseEscrowAsync("alice", escrow.Escrow.Id);

        var purchase = await t.Ledger.CreatePurchaseAsync("alice", 1000, "card");
        var done = await t.Ledger.CompletePurchaseAsync(purchase.Purchase.Id);
        Assert.Equal(1490, done.BalanceAfter);

        var refund = await t.Ledger.RefundAsync(charge.TransactionId, "test");
        Assert.Equal(1500, refund.BalanceAfter);

        var report = await t.Ledger.VerifyAsync();
        Assert.True(report.Ok, string.Join("\n", report.Problems));
    }
}
