using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.History;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.History;

/// <summary>Product spec section 9: history, newest first, with filters, limit and cursor.</summary>
public sealed class HistoryTests
{
    private const string User = "alice";

    /// <summary>
    /// Eleven transactions of every type over five hours (newest first):
    /// purchase credit 1000 → 2388, refund 10 → 1388, charge step 10 → 1378, release 100, hold 100 → 1388,
    /// cancel 300 → 1488, hold 300 → 1188, grant 500 → 1488, charge stl 2 → 988, spend step 10 → 990, allowance 1000.
    /// </summary>
    private static async Task SeedAsync(TestLedger t)
    {
        var l = t.Ledger;
        await l.SpendAsync(User, 10, "model.export.step");                 // 10:00
        t.Clock.Advance(TimeSpan.FromHours(1));
        await l.ChargeAsync(User, new ChargeRequest("model.export.stl"));   // 11:00
        t.Clock.Advance(TimeSpan.FromHours(1));
        await l.GrantAsync(User, 500, "bonus");                             // 12:00
        t.Clock.Advance(TimeSpan.FromHours(1));
        var cancelled = await l.CreateEscrowAsync(User, new EscrowRequest(300, "job1", "shop1")); // 13:00
        await l.CancelEscrowAsync(User, cancelled.Escrow.Id);
        t.Clock.Advance(TimeSpan.FromHours(1));
        var released = await l.CreateEscrowAsync(User, new EscrowRequest(100, "job2", "shop1")); // 14:00
        await l.ReleaseEscrowAsync(User, released.Escrow.Id);
        t.Clock.Advance(TimeSpan.FromHours(1));
        var charge = await l.ChargeAsync(User, new ChargeRequest("model.export.step")); // 15:00
        await l.RefundAsync(charge.TransactionId, "test");
        var purchase = await l.CreatePurchaseAsync(User, 1000, "card");
        await l.CompletePurchaseAsync(purchase.Purchase.Id);
    }

    [Fact]
    public async Task History_ListsEveryTransactionNewestFirst_WithPositiveAmountsAndBalanceAfter()
    {
        using var t = new TestLedger();
        await SeedAsync(t);

        var page = await t.Ledger.GetHistoryAsync(User, new HistoryQuery());

        var expected = new (TransactionType Type, TransactionKind Kind, string? Operation, long Amount, long BalanceAfter)[]
        {
            (TransactionType.Credit, TransactionKind.Purchase, "purchase.card", 1000, 2388),
            (TransactionType.Credit, TransactionKind.Refund, null, 10, 1388),
            (TransactionType.Debit, TransactionKind.Charge, "model.export.step", 10, 1378),
            (TransactionType.EscrowRelease, TransactionKind.Escrow, null, 100, 1388),
            (TransactionType.EscrowHold, TransactionKind.Escrow, null, 100, 1388),
            (TransactionType.EscrowCancel, TransactionKind.Escrow, null, 300, 1488),
            (TransactionType.EscrowHold, TransactionKind.Escrow, null, 300, 1188),
            (TransactionType.Credit, TransactionKind.Grant, "bonus", 500, 1488),
            (TransactionType.Debit, TransactionKind.Charge, "model.export.stl", 2, 988),
            (TransactionType.Debit, TransactionKind.Spend, "model.export.step", 10, 990),
            (TransactionType.Credit, TransactionKind.Allowance, null, 1000, 1000),
        };
        Assert.Equal(expected, page.Transactions.Select(r => (r.Type, r.Kind, r.Operation, r.Amount, r.BalanceAfter)).ToArray());
        Assert.Null(page.NextCursor);
        Assert.Equal(TestLedger.Start.AddHours(5), page.Transactions[0].Timestamp);
        Assert.Equal(TestLedger.Start, page.Transactions[^1].Timestamp);
        Assert.Equal("tx_000001", page.Transactions[^1].Id);
    }

    [Fact]
    public async Task History_ShowsOnlyTheAccountsOwnTransactions()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync("bob", 7, "model.export.step");
        await SeedAsync(t);

        var bob = await t.Ledger.GetHistoryAsync("bob", new HistoryQuery());

        Assert.Equal([7L, 1000L], bob.Transactions.Select(r => r.Amount));
        Assert.DoesNotContain(bob.Transactions, r => r.Amount == 2);
    }

    [Theory]
    [InlineData(TransactionType.Debit, new long[] { 10, 2, 10 })]
    [InlineData(TransactionType.Credit, new long[] { 1000, 10, 500, 1000 })]
    [InlineData(TransactionType.EscrowHold, new long[] { 100, 300 })]
    [InlineData(TransactionType.EscrowRelease, new long[] { 100 })]
    [InlineData(TransactionType.EscrowCancel, new long[] { 300 })]
    public async Task History_FilteredByType_ReturnsOnlyThatType(TransactionType type, long[] amounts)
    {
        using var t = new TestLedger();
        await SeedAsync(t);

        var page = await t.Ledger.GetHistoryAsync(User, new HistoryQuery { Type = type });

        Assert.All(page.Transactions, r => Assert.Equal(type, r.Type));
        Assert.Equal(amounts, page.Transactions.Select(r => r.Amount));
    }

    [Theory]
    [InlineData(TransactionKind.Charge, new long[] { 10, 2 })]
    [InlineData(TransactionKind.Spend, new long[] { 10 })]
    [InlineData(TransactionKind.Grant, new long[] { 500 })]
    [InlineData(TransactionKind.Purchase, new long[] { 1000 })]
    [InlineData(TransactionKind.Allowance, new long[] { 1000 })]
    [InlineData(TransactionKind.Expiry, new long[0])]
    [InlineData(TransactionKind.Refund, new long[] { 10 })]
    [InlineData(TransactionKind.Escrow, new long[] { 100, 100, 300, 300 })]
    public async Task History_FilteredByKind_ReturnsOnlyThatKind(TransactionKind kind, long[] amounts)
    {
        using var t = new TestLedger();
        await SeedAsync(t);

        var page = await t.Ledger.GetHistoryAsync(User, new HistoryQuery { Kind = kind });

        Assert.All(page.Transactions, r => Assert.Equal(kind, r.Kind));
        Assert.Equal(amounts, page.Transactions.Select(r => r.Amount));
    }

    [Fact]
    public async Task History_FilteredByExpiryKind_ShowsTheAllowanceThatExpiredAtTheMonthsEnd()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync(User, 100, "model.export.step");
        t.Clock.Advance(TimeSpan.FromDays(20)); // 2026-04-04: the March allowance expires

        var page = await t.Ledger.GetHistoryAsync(User, new HistoryQuery { Kind = TransactionKind.Expiry });

        var expiry = Assert.Single(page.Transactions);
        Assert.Equal(TransactionType.Debit, expiry.Type);
        Assert.Equal(900, expiry.Amount);
        Assert.Equal(0, expiry.BalanceAfter);
        Assert.Equal("system:expired", expiry.Counterparty);
    }

    [Theory]
    [InlineData("model.export.step", new[] { TransactionKind.Charge, TransactionKind.Spend })]
    [InlineData("model.export.stl", new[] { TransactionKind.Charge })]
    [InlineData("bonus", new[] { TransactionKind.Grant })]
    [InlineData("purchase.card", new[] { TransactionKind.Purchase })]
    [InlineData("ai.design_review", new TransactionKind[0])]
    public async Task History_FilteredByOperation_ReturnsOnlyThatOperation(string operation, TransactionKind[] kinds)
    {
        using var t = new TestLedger();
        await SeedAsync(t);

        var page = await t.Ledger.GetHistoryAsync(User, new HistoryQuery { Operation = operation });

        Assert.All(page.Transactions, r => Assert.Equal(operation, r.Operation));
        Assert.Equal(kinds, page.Transactions.Select(r => r.Kind));
    }

    [Fact]
    public async Task History_FilteredByAfter_IncludesTransactionsAtThatInstant()
    {
        using var t = new TestLedger();
        await SeedAsync(t);

        var page = await t.Ledger.GetHistoryAsync(User, new HistoryQuery { After = TestLedger.Start.AddHours(2) });

        Assert.Equal(8, page.Transactions.Count);
        Assert.All(page.Transactions, r => Assert.True(r.Timestamp >= TestLedger.Start.AddHours(2)));
        Assert.Equal(TransactionKind.Grant, page.Transactions[^1].Kind);
    }

    [Fact]
    public async Task History_FilteredByBefore_ExcludesTransactionsAtThatInstant()
    {
        using var t = new TestLedger();
        await SeedAsync(t);

        var page = await t.Ledger.GetHistoryAsync(User, new HistoryQuery { Before = TestLedger.Start.AddHours(1) });

        Assert.Equal([TransactionKind.Spend, TransactionKind.Allowance], page.Transactions.Select(r => r.Kind));
    }

    [Fact]
    public async Task History_FilteredByAfterAndBefore_ReturnsTheWindow()
    {
        using var t = new TestLedger();
        await SeedAsync(t);

        var page = await t.Ledger.GetHistoryAsync(
            User,
            new HistoryQuery { After = TestLedger.Start.AddHours(1), Before = TestLedger.Start.AddHours(3) });

        Assert.Equal([TransactionKind.Grant, TransactionKind.Charge], page.Transactions.Select(r => r.Kind));
    }

    [Theory]
    [InlineData(300, new long[] { 1000, 300, 300, 500, 1000 })]
    [InlineData(1000, new long[] { 1000, 1000 })]
    [InlineData(1001, new long[0])]
    [InlineData(0, new long[] { 1000, 10, 10, 100, 100, 300, 300, 500, 2, 10, 1000 })]
    public async Task History_FilteredByMinAmount_ReturnsOnlyTransactionsOfAtLeastThatMany(long min, long[] amounts)
    {
        using var t = new TestLedger();
        await SeedAsync(t);

        var page = await t.Ledger.GetHistoryAsync(User, new HistoryQuery { MinAmount = min });

        Assert.Equal(amounts, page.Transactions.Select(r => r.Amount));
    }

    [Fact]
    public async Task History_WithSeveralFilters_AppliesAllOfThem()
    {
        using var t = new TestLedger();
        await SeedAsync(t);

        var page = await t.Ledger.GetHistoryAsync(
            User,
            new HistoryQuery { Type = TransactionType.Debit, MinAmount = 10, After = TestLedger.Start.AddMinutes(1) });

        var only = Assert.Single(page.Transactions);
        Assert.Equal(TransactionKind.Charge, only.Kind);
        Assert.Equal("model.export.step", only.Operation);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1001)]
    public async Task History_WithLimitOutOfRange_IsRejectedNamingLimit(int limit)
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(async () => await t.Ledger.GetHistoryAsync(User, new HistoryQuery { Limit = limit }));

        Assert.Equal(LedgerErrorCode.InvalidArgument, ex.Code);
        Assert.Equal("limit", ex.Field);
        Assert.StartsWith("limit ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_WithLimitOne_ReturnsTheNewestOnly()
    {
        using var t = new TestLedger();
        await SeedAsync(t);

        var page = await t.Ledger.GetHistoryAsync(User, new HistoryQuery { Limit = 1 });

        var only = Assert.Single(page.Transactions);
        Assert.Equal(TransactionKind.Purchase, only.Kind);
    }

    [Fact]
    public async Task History_WithLimitOneThousand_ReturnsEverythingUpToThousand()
    {
        using var t = new TestLedger();
        await SeedAsync(t);

        var page = await t.Ledger.GetHistoryAsync(User, new HistoryQuery { Limit = 1000 });

        Assert.Equal(11, page.Transactions.Count);
        Assert.Null(page.NextCursor);
    }

    [Fact]
    public async Task History_WithoutLimit_ReturnsOneHundred()
    {
        using var t = new TestLedger();
        for (var i = 0; i < 104; i++)
        {
            await t.Ledger.SpendAsync(User, 1, "model.export.json");
        }

        var page = await t.Ledger.GetHistoryAsync(User, new HistoryQuery());

        Assert.Equal(100, page.Transactions.Count);
        Assert.Equal(896, page.Transactions[0].BalanceAfter);
        Assert.Equal(995, page.Transactions[^1].BalanceAfter);
    }

    [Fact]
    public async Task History_WithMoreThanOnePage_ReturnsACursor()
    {
        using var t = new TestLedger();
        await SeedAsync(t);

        var page = await t.Ledger.GetHistoryAsync(User, new HistoryQuery { Limit = 5 });

        Assert.Equal(5, page.Transactions.Count);
        Assert.NotNull(page.NextCursor);
    }

    [Fact]
    public async Task History_PagedWithTheCursor_ReturnsEverythingOnceInOrder()
    {
        using var t = new TestLedger();
        for (var i = 1; i <= 24; i++)
        {
            await t.Ledger.SpendAsync(User, i, "model.export.json");
        }

        var all = await t.Ledger.GetHistoryAsync(User, new HistoryQuery { Limit = 1000 });
        var paged = new List<string>();
        var sizes = new List<int>();
        string? cursor = null;
        do
        {
            var page = await t.Ledger.GetHistoryAsync(User, new HistoryQuery { Limit = 7, Cursor = cursor });
            paged.AddRange(page.Transactions.Select(r => r.Id));
            sizes.Add(page.Transactions.Count);
            cursor = page.NextCursor;
        }
        while (cursor is not null && sizes.Count < 10);

        Assert.Equal(25, all.Transactions.Count);
        Assert.Equal([7, 7, 7, 4], sizes);
        Assert.Equal(all.Transactions.Select(r => r.Id), paged);
    }

    [Fact]
    public async Task History_PagedWithAFilter_KeepsTheFilterOnEveryPage()
    {
        using var t = new TestLedger();
        for (var i = 1; i <= 5; i++)
        {
            await t.Ledger.SpendAsync(User, i, "model.export.json");
            await t.Ledger.GrantAsync(User, 100 * i, "bonus");
        }

        var first = await t.Ledger.GetHistoryAsync(User, new HistoryQuery { Kind = TransactionKind.Spend, Limit = 3 });
        Assert.NotNull(first.NextCursor);
        var second = await t.Ledger.GetHistoryAsync(User, new HistoryQuery { Kind = TransactionKind.Spend, Limit = 3, Cursor = first.NextCursor });

        Assert.Equal([5L, 4L, 3L], first.Transactions.Select(r => r.Amount));
        Assert.Equal([2L, 1L], second.Transactions.Select(r => r.Amount));
        Assert.Null(second.NextCursor);
    }

    [Fact]
    public async Task History_WithExactlyLimitTransactions_ReturnsNoCursor()
    {
        using var t = new TestLedger();
        await SeedAsync(t);

        var page = await t.Ledger.GetHistoryAsync(User, new HistoryQuery { Limit = 11 });

        Assert.Equal(11, page.Transactions.Count);
        Assert.Null(page.NextCursor);
    }

    [Theory]
    [InlineData("not a cursor!")]
    [InlineData("YWJj")] // base64url of "abc": well-formed, but no position
    [InlineData("MA")]   // base64url of "0": no transaction has seq 0
    [InlineData("")]
    public async Task History_WithABogusCursor_IsRejectedNamingCursor(string cursor)
    {
        using var t = new TestLedger();
        await SeedAsync(t);

        var ex = await Assert.ThrowsAsync<LedgerException>(async () => await t.Ledger.GetHistoryAsync(User, new HistoryQuery { Cursor = cursor }));

        Assert.Equal(LedgerErrorCode.InvalidArgument, ex.Code);
        Assert.Equal("cursor", ex.Field);
    }
}
