using CycleTokens.Core.Purchases;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Purchases;

public sealed class ListPurchasesTests
{
    [Fact]
    public async Task ListPurchases_FiltersByAccountAndStatus_OldestFirst()
    {
        using var t = new TestLedger();
        var a1 = await t.Ledger.CreatePurchaseAsync("alice", 1000, "card");
        t.Clock.Advance(TimeSpan.FromMinutes(1));
        var b1 = await t.Ledger.CreatePurchaseAsync("bob", 5000, "usdc");
        t.Clock.Advance(TimeSpan.FromMinutes(1));
        var a2 = await t.Ledger.CreatePurchaseAsync("alice", 20, "btc");
        await t.Ledger.CompletePurchaseAsync(a1.Purchase.Id);

        var all = await t.Ledger.ListPurchasesAsync();
        var alice = await t.Ledger.ListPurchasesAsync("alice");
        var pending = await t.Ledger.ListPurchasesAsync(status: PurchaseStatus.Pending);

        Assert.Equal([a1.Purchase.Id, b1.Purchase.Id, a2.Purchase.Id], all.Select(p => p.Id));
        Assert.Equal([a1.Purchase.Id, a2.Purchase.Id], alice.Select(p => p.Id));
        Assert.Equal([b1.Purchase.Id, a2.Purchase.Id], pending.Select(p => p.Id));
    }
}
