using CycleTokens.Core.Accounts;
using CycleTokens.Core.Events;
using CycleTokens.Core.History;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Charges;

public sealed class SpendTests
{
    [Fact]
    public async Task Spend_DebitsTheGivenAmountToPlatform()
    {
        using var t = new TestLedger();

        var spend = await t.Ledger.SpendAsync("alice", 37, "model.export.step");

        Assert.Equal(37, spend.Charged); // the caller's amount, not the catalogue price of 10
        Assert.Equal("model.export.step", spend.Operation);
        Assert.Equal(963, spend.BalanceAfter);
        Assert.False(spend.Replayed);
        Assert.Equal(37, LedgerChecks.Balance(t.DatabasePath, AccountNames.Platform));
        Assert.Equal(-37, LedgerChecks.Posted(t.DatabasePath, spend.TransactionId, "alice", "allowance"));
        Assert.Equal(37, LedgerChecks.Posted(t.DatabasePath, spend.TransactionId, "platform", "main"));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Spend_IsRecordedAsSpendDebitToPlatform()
    {
        using var t = new TestLedger();

        var spend = await t.Ledger.SpendAsync("alice", 12, "custom.thing");
        var history = await t.Ledger.GetHistoryAsync("alice", new HistoryQuery { Kind = TransactionKind.Spend });

        var recorded = Assert.Single(history.Transactions);
        Assert.Equal(
            (spend.TransactionId, TransactionType.Debit, "custom.thing", 12L, "platform", 988L),
            (recorded.Id, recorded.Type, recorded.Operation!, recorded.Amount, recorded.Counterparty!, recorded.BalanceAfter));
    }

    [Fact]
    public async Task Spend_RaisesTokenSpentEvent()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        t.Events.Clear();

        var spend = await t.Ledger.SpendAsync("alice", 40, "render");

        var spent = Assert.Single(t.Events);
        Assert.Equal(LedgerEventNames.TokenSpent, spent.Name);
        Assert.Equal(40L, spent.Data["amount"]);
        Assert.Equal("render", spent.Data["operation"]);
        Assert.Equal(40L, spent.Data["platform_share"]);
        Assert.Equal(960L, spent.Data["balance"]);
        Assert.Equal(spend.TransactionId, spent.Data["transaction_id"]);
    }

    [Fact]
    public async Task Spend_WithInsufficientBalance_FailsAndWritesNothing()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 20);
        var before = LedgerChecks.Counts(t.DatabasePath);
        t.Events.Clear();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync("alice", 1021, "render"));

        Assert.Equal(LedgerErrorCode.InsufficientTokens, ex.Code);
        Assert.Equal("Insufficient tokens: have 1020, need 1021", ex.Message);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
        Assert.Empty(t.Events);
        var balance = await t.Ledger.GetBalanceAsync("alice");
        Assert.Equal((1000L, 20L), (balance.Allowance, balance.Purchased));
    }

    [Fact]
    public async Task Spend_MaximumAmount_IsValidButInsufficient()
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync("alice", 1_000_000_000_000, "render"));

        Assert.Equal(LedgerErrorCode.InsufficientTokens, ex.Code);
        Assert.Equal("Insufficient tokens: have 1000, need 1000000000000", ex.Message);
    }

    [Fact]
    public async Task Spend_MaximumAmount_SucceedsWhenCovered()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 1_000_000_000_000);

        var spend = await t.Ledger.SpendAsync("alice", 1_000_000_000_000, "render");

        Assert.Equal(1000, spend.BalanceAfter);
        var balance = await t.Ledger.GetBalanceAsync("alice");
        Assert.Equal((0L, 1000L), (balance.Allowance, balance.Purchased));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Spend_ExactBalance_LeavesZero()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 5);

        var spend = await t.Ledger.SpendAsync("alice", 1005, "render");

        Assert.Equal(0, spend.BalanceAfter);
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Spend_UnknownOperationName_NeedsNoCatalogueEntry()
    {
        using var t = new TestLedger(new LedgerOptions { DatabasePath = "unused", RejectUnknownOperations = true });

        var spend = await t.Ledger.SpendAsync("alice", 9, "not.in.catalogue");

        Assert.Equal(9, spend.Charged);
    }

    [Fact]
    public async Task Spend_CountsInUsage()
    {
        using var t = new TestLedger();

        await t.Ledger.SpendAsync("alice", 10, "render");
        await t.Ledger.SpendAsync("alice", 15, "render");
        var usage = await t.Ledger.GetUsageAsync("alice");

        var render = Assert.Single(usage.ByOperation);
        Assert.Equal((2L, 25L, 13L), (render.Count, render.TotalTokens, render.AveragePerOp)); // 12.5 -> 13
        Assert.Equal(25, usage.Used);
        Assert.Equal(25, (await t.Ledger.GetBalanceAsync("alice")).UsedThisMonth);
    }
}
