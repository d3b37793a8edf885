using CycleTokens.Core.Accounts;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Events;
using CycleTokens.Core.History;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Admin;

/// <summary>Product spec section 9: clearing an account's data (the original's clearAllData).</summary>
public sealed class ClearAccountTests
{
    private const string User = "alice";

    /// <summary>PRO, 500 granted, a charge (10, cached afterwards), a spend of 90, a held escrow of 400.</summary>
    private static async Task<string> SeedAsync(TestLedger t)
    {
        await t.Ledger.SetTierAsync(User, Tier.Pro);
        await t.Ledger.GrantAsync(User, 500, "bonus");
        await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.step") { CreatorId = "carol" });
        await t.Ledger.SpendAsync(User, 90, "model.export.json");
        var escrow = await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(400, "job1", "shop1"));
        return escrow.Escrow.Id;
    }

    private static long Count(TestLedger t, string sql) => RawDb.Scalar(t.DatabasePath, sql);

    [Theory]
    [InlineData("")]
    [InlineData("clear")]
    [InlineData("clear bob")]
    [InlineData("Clear alice")]
    [InlineData("clear alice ")]
    [InlineData("clear  alice")]
    [InlineData("yes")]
    public async Task Clear_WithoutTheExactConfirmation_IsRejectedAndWritesNothing(string confirm)
    {
        using var t = new TestLedger();
        await SeedAsync(t);
        var transactions = Count(t, "SELECT COUNT(*) FROM transactions");
        var balance = (await t.Ledger.GetBalanceAsync(User)).Total;
        var events = t.Events.Count;

        var ex = await Assert.ThrowsAsync<LedgerException>(async () => await t.Ledger.ClearAccountAsync(User, confirm));

        Assert.Equal(LedgerErrorCode.InvalidArgument, ex.Code);
        Assert.Equal("confirm", ex.Field);
        Assert.Contains("clear alice", ex.Message, StringComparison.Ordinal);
        Assert.Equal(transactions, Count(t, "SELECT COUNT(*) FROM transactions"));
        Assert.Equal(balance, (await t.Ledger.GetBalanceAsync(User)).Total);
        Assert.Equal(events, t.Events.Count);
    }

    [Fact]
    public async Task Clear_CancelsHeldEscrows_AndMovesTheWholeBalanceToSystemCleared()
    {
        using var t = new TestLedger();
        var escrowId = await SeedAsync(t);
        var released = await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(100, "job2", "shop2"));
        await t.Ledger.ReleaseEscrowAsync(User, released.Escrow.Id);

        var result = await t.Ledger.ClearAccountAsync(User, "clear alice");

        // 10,000 PRO + 500 granted - 10 - 90 - 100 released = 10,300, the 400 held coming back first.
        Assert.Equal(10_300, result.ClearedTokens);
        Assert.Equal(1, result.CancelledEscrows);
        Assert.Equal(1000, result.BalanceAfter);
        Assert.Equal(10_300, RawDb.Scalar(t.DatabasePath, "SELECT balance FROM accounts WHERE id = 'system:cleared'"));
        Assert.Equal(0, RawDb.Scalar(t.DatabasePath, "SELECT balance FROM accounts WHERE id = $e", ("$e", "escrow:" + escrowId)));
        Assert.Equal(
            "cancelled",
            RawRows.Text(t.DatabasePath, "SELECT status FROM escrows WHERE id = $id", ("$id", escrowId)));
        Assert.Equal(
            "released",
            RawRows.Text(t.DatabasePath, "SELECT status FROM escrows WHERE id = $id", ("$id", released.Escrow.Id)));
        Assert.Equal(100, RawDb.Scalar(t.DatabasePath, "SELECT balance FROM accounts WHERE id = 'fab:shop2'"));
    }

    [Fact]
    public async Task Clear_LeavesTierFreeWithAFreshAllowanceAndNothingPurchased()
    {
        using var t = new TestLedger();
        await SeedAsync(t);

        await t.Ledger.ClearAccountAsync(User, "clear alice");
        var balance = await t.Ledger.GetBalanceAsync(User);

        Assert.Equal(Tier.Free, balance.Tier.Tier);
        Assert.Equal(1000, balance.Total);
        Assert.Equal(1000, balance.Allowance);
        Assert.Equal(0, balance.Purchased);
        Assert.Equal(0, balance.HeldInEscrow);
        Assert.Equal(0, balance.UsedThisMonth);
        Assert.Equal(1000, balance.RemainingThisMonth);
    }

    [Fact]
    public async Task Clear_EmptiesTheDiscountCache_SoARepeatChargePaysFullPrice()
    {
        using var t = new TestLedger();
        await SeedAsync(t);
        var before = await t.Ledger.EstimateAsync(User, "model.export.step");
        Assert.True(before.Cached);

        await t.Ledger.ClearAccountAsync(User, "clear alice");
        var charge = await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.step"));

        Assert.False(charge.Cached);
        Assert.Equal(10, charge.Charged);
        Assert.Equal(990, charge.BalanceAfter);
    }

    [Fact]
    public async Task Clear_HistoryAndExportsStartAfterTheClear()
    {
        using var t = new TestLedger();
        await SeedAsync(t);

        await t.Ledger.ClearAccountAsync(User, "clear alice");
        await t.Ledger.SpendAsync(User, 5, "model.export.json");
        var history = await t.Ledger.GetHistoryAsync(User, new HistoryQuery());
        var csv = await t.Ledger.ExportCsvAsync(User);
        var export = await t.Ledger.ExportAccountAsync(User);
        var usage = await t.Ledger.GetUsageAsync(User);

        Assert.Equal(
            [(TransactionKind.Spend, 5L, 995L), (TransactionKind.Allowance, 1000L, 1000L)],
            history.Transactions.Select(r => (r.Kind, r.Amount, r.BalanceAfter)));
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Contains(",credit,allowance,,1000,1000,system:allowance", lines[1], StringComparison.Ordinal);
        Assert.Contains(",debit,spend,model.export.json,5,995,platform", lines[2], StringComparison.Ordinal);
        Assert.Equal([TransactionKind.Allowance, TransactionKind.Spend], export.Transactions.Select(r => r.Kind));
        Assert.Equal(0, export.CachedOperations);
        Assert.Equal(5, usage.Used);
    }

    [Fact]
    public async Task Clear_JsonExportNoLongerListsEscrowsFromBeforeTheClear()
    {
        using var t = new TestLedger();
        await SeedAsync(t);

        await t.Ledger.ClearAccountAsync(User, "clear alice");
        var export = await t.Ledger.ExportAccountAsync(User);

        // "history and exports start after the clear": an account reset as if new has no escrows.
        Assert.Empty(export.Escrows);
    }

    [Fact]
    public async Task Clear_KeepsTheWholeJournal_AndRecordsItself()
    {
        using var t = new TestLedger();
        await SeedAsync(t);
        var before = Count(t, "SELECT COUNT(*) FROM transactions WHERE account = 'alice'");
        var postingsBefore = Count(t, "SELECT COUNT(*) FROM postings");

        await t.Ledger.ClearAccountAsync(User, "clear alice");

        // + escrow cancel, + the clear itself, + the fresh allowance.
        Assert.Equal(before + 3, Count(t, "SELECT COUNT(*) FROM transactions WHERE account = 'alice'"));
        Assert.True(Count(t, "SELECT COUNT(*) FROM postings") > postingsBefore);
        Assert.Equal(1, Count(t, "SELECT COUNT(*) FROM transactions WHERE account = 'alice' AND kind = 'clear' AND counterparty = 'system:cleared' AND amount = 10400"));
        Assert.Equal(1, Count(t, "SELECT COUNT(*) FROM transactions WHERE account = 'alice' AND kind = 'charge'"));
        var report = await t.Ledger.VerifyAsync();
        Assert.True(report.Ok, string.Join("\n", report.Problems));
    }

    [Fact]
    public async Task Clear_TouchesNoOtherAccount()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("bob", 250, "bonus");
        await t.Ledger.ChargeAsync("bob", new ChargeRequest("model.export.step"));
        var bobEscrow = await t.Ledger.CreateEscrowAsync("bob", new EscrowRequest(50, "job", "shop1"));
        await SeedAsync(t);
        const string Others = """
            SELECT id, balance, allowance, purchased, COALESCE(tier, ''), history_start
            FROM accounts WHERE id NOT IN ('alice', 'system:cleared', 'system:allowance') AND id NOT LIKE 'escrow:%' ORDER BY id
            """;
        var others = RawRows.Joined(t.DatabasePath, Others);
        var bobTransactions = Count(t, "SELECT COUNT(*) FROM transactions WHERE account = 'bob'");

        await t.Ledger.ClearAccountAsync(User, "clear alice");

        Assert.Equal(others, RawRows.Joined(t.DatabasePath, Others));
        Assert.Equal(bobTransactions, Count(t, "SELECT COUNT(*) FROM transactions WHERE account = 'bob'"));
        Assert.Equal(EscrowStatus.Held, (await t.Ledger.GetEscrowAsync("bob", bobEscrow.Escrow.Id)).Status);
        Assert.True((await t.Ledger.EstimateAsync("bob", "model.export.step")).Cached);
        Assert.Equal(1190, (await t.Ledger.GetBalanceAsync("bob")).Total);
    }

    [Fact]
    public async Task Clear_RaisesDataClearedAfterTheEscrowCancellations()
    {
        using var t = new TestLedger();
        var escrowId = await SeedAsync(t);
        t.Events.Clear();

        await t.Ledger.ClearAccountAsync(User, "clear alice");

        Assert.Equal([LedgerEventNames.EscrowCancelled, LedgerEventNames.DataCleared], t.Events.Select(e => e.Name));
        Assert.Equal(escrowId, t.Events[0].Data["escrow_id"]);
        Assert.Equal("cleared", t.Events[0].Data["reason"]);
        var cleared = t.Events[1];
        Assert.Equal(User, cleared.Account);
        Assert.Equal(10_400L, cleared.Data["cleared"]);
        Assert.Equal(1L, cleared.Data["cancelled_escrows"]);
        Assert.Equal(1000L, cleared.Data["balance"]);
    }

    [Fact]
    public async Task Clear_AfterAMonthTurned_ResetsIntoTheCurrentMonth()
    {
        using var t = new TestLedger();
        await SeedAsync(t);
        t.Clock.Advance(TimeSpan.FromDays(20)); // April

        await t.Ledger.ClearAccountAsync(User, "clear alice");
        var balance = await t.Ledger.GetBalanceAsync(User);

        Assert.Equal(1000, balance.Total);
        Assert.Equal(new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero), balance.MonthStart);
        var report = await t.Ledger.VerifyAsync();
        Assert.True(report.Ok, string.Join("\n", report.Problems));
    }
}
