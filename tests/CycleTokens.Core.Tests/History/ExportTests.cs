using CycleTokens.Core.Accounts;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.History;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.History;

/// <summary>Product spec section 9: CSV export (RFC 4180, formula cells neutralised) and the JSON export.</summary>
public sealed class ExportTests
{
    private const string User = "alice";
    private const string Header = "date,transaction_id,type,kind,operation,amount,balance_after,counterparty";

    [Fact]
    public async Task Csv_StartsWithTheExactHeader()
    {
        using var t = new TestLedger();

        var csv = await t.Ledger.ExportCsvAsync(User);

        Assert.StartsWith(Header + "\r\n", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Csv_ListsEveryTransactionOldestFirst_WithCrlfLineEnds()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync(User, 10, "model.export.step");
        t.Clock.Advance(TimeSpan.FromMilliseconds(1500));
        await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.step") { CreatorId = "bob" });
        await t.Ledger.GrantAsync(User, 250, "bonus");
        await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(30, "job", "shop"));

        var csv = await t.Ledger.ExportCsvAsync(User);

        Assert.Equal(
            Header + "\r\n"
            + "2026-03-15T10:00:00.000Z,tx_000001,credit,allowance,,1000,1000,system:allowance\r\n"
            + "2026-03-15T10:00:00.000Z,tx_000002,debit,spend,model.export.step,10,990,platform\r\n"
            + "2026-03-15T10:00:01.500Z,tx_000003,debit,charge,model.export.step,10,980,creator:bob\r\n"
            + "2026-03-15T10:00:01.500Z,tx_000004,credit,grant,bonus,250,1230,system:grants\r\n"
            + "2026-03-15T10:00:01.500Z,tx_000006,escrow_hold,escrow,,30,1200,escrow:esc_000005\r\n",
            csv);
    }

    [Fact]
    public async Task Csv_HasOneRowPerHistoryEntry_InReverseOrderOfHistory()
    {
        using var t = new TestLedger();
        for (var i = 1; i <= 5; i++)
        {
            await t.Ledger.SpendAsync(User, i, "model.export.json");
        }

        var csv = await t.Ledger.ExportCsvAsync(User);
        var history = await t.Ledger.GetHistoryAsync(User, new HistoryQuery());

        var ids = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(line => line.Split(',')[1]);
        Assert.Equal(history.Transactions.Select(r => r.Id).Reverse(), ids);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("", "")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("\"", "\"\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("two\r\nlines", "\"two\r\nlines\"")]
    [InlineData("=SUM(A1:A9)", "'=SUM(A1:A9)")]
    [InlineData("+1", "'+1")]
    [InlineData("-1", "'-1")]
    [InlineData("@cmd", "'@cmd")]
    [InlineData("\tx", "'\tx")]
    [InlineData("\rx", "\"'\rx\"")]
    [InlineData("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"")]
    [InlineData("a=b", "a=b")]
    [InlineData("x-1", "x-1")]
    [InlineData("'quoted", "'quoted")]
    public void CsvCell_QuotesPerRfc4180_AndPrefixesFormulaStarts(string value, string expected)
    {
        Assert.Equal(expected, CsvExport.Cell(value));
    }

    [Fact]
    public async Task Csv_OfAnOrdinaryAccount_HasNoNeutralisedOrQuotedCells()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync(User, 10, "model.export.step");
        var escrow = await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(30, "job, \"quoted\"", "shop"));
        await t.Ledger.CancelEscrowAsync(User, escrow.Escrow.Id);

        var csv = await t.Ledger.ExportCsvAsync(User);

        var cells = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).SelectMany(line => line.Split(',')).ToList();
        Assert.Equal(5 * 8, cells.Count);
        Assert.DoesNotContain(cells, c => c.StartsWith('\'') || c.StartsWith('"'));
    }

    [Fact]
    public async Task JsonExport_HoldsBalancePartsTierMonthTransactionsEscrowsAndCachedOperations()
    {
        using var t = new TestLedger();
        await t.Ledger.SetTierAsync(User, Tier.Pro);
        await t.Ledger.GrantAsync(User, 500, "bonus");
        await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.step") { Params = TestLedger.Json("""{"a":1}""") });
        await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.step") { Params = TestLedger.Json("""{"a":1}""") });
        await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.stl"));
        var held = await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(300, "job1", "shop1"));
        var released = await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(200, "job2", "shop2"));
        await t.Ledger.ReleaseEscrowAsync(User, released.Escrow.Id);

        var export = await t.Ledger.ExportAccountAsync(User);

        // PRO allowance 10,000 - 10 - 1 - 2 - 300 - 200 = 9,487; purchased 500 untouched.
        Assert.Equal(9987, export.Balance.Total);
        Assert.Equal(9487, export.Balance.Allowance);
        Assert.Equal(500, export.Balance.Purchased);
        Assert.Equal(300, export.Balance.HeldInEscrow);
        Assert.Equal(Tier.Pro, export.Balance.Tier.Tier);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), export.Balance.MonthStart);
        Assert.Equal(13, export.Balance.UsedThisMonth);

        var all = RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions WHERE account = $a", ("$a", User));
        Assert.Equal(all, export.Transactions.Count);
        Assert.Equal(
            [
                TransactionKind.Allowance, TransactionKind.Expiry, TransactionKind.Allowance, TransactionKind.Grant,
                TransactionKind.Charge, TransactionKind.Charge, TransactionKind.Charge,
                TransactionKind.Escrow, TransactionKind.Escrow, TransactionKind.Escrow,
            ],
            export.Transactions.Select(r => r.Kind));

        Assert.Equal(
            [(held.Escrow.Id, EscrowStatus.Held, 300L), (released.Escrow.Id, EscrowStatus.Released, 200L)],
            export.Escrows.Select(e => (e.Id, e.Status, e.Amount)));
        Assert.Equal(2, export.CachedOperations);
    }

    [Fact]
    public async Task JsonExport_CountsOnlyCachedOperationsStillWithinTheWindow()
    {
        using var t = new TestLedger();
        await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.step"));
        t.Clock.Advance(TimeSpan.FromHours(20));
        await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.stl"));
        t.Clock.Advance(TimeSpan.FromHours(5)); // step is 25h old, stl 5h

        var export = await t.Ledger.ExportAccountAsync(User);

        Assert.Equal(1, export.CachedOperations);
    }

    [Fact]
    public async Task Exports_OfAnotherUser_DoNotIncludeThisUsersData()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync(User, 10, "model.export.step");
        await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(30, "job", "shop"));

        var bob = await t.Ledger.ExportAccountAsync("bob");
        var csv = await t.Ledger.ExportCsvAsync("bob");

        Assert.Equal([TransactionKind.Allowance], bob.Transactions.Select(r => r.Kind));
        Assert.Empty(bob.Escrows);
        Assert.Equal(2, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
