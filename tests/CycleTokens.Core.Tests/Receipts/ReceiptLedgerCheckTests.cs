using CycleTokens.Core.Charges;
using CycleTokens.Core.Receipts;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Receipts;

/// <summary>
/// <see cref="TokenLedger.CheckReceiptAsync"/>: a receipt's figures against the journal. A validly signed receipt
/// whose figures are not the journal's, or a journal row edited after the receipt was issued, is found out.
/// </summary>
public sealed class ReceiptLedgerCheckTests
{
    private const string User = "alice";

    public static TheoryData<string> Fields =>
        ["account", "kind", "operation", "quantity", "amount", "creator_share", "platform_share", "balance_after", "timestamp", "chain_hash"];

    [Theory]
    [MemberData(nameof(Fields))]
    public async Task AReceiptWithOneFigureChanged_DisagreesOnThatField_AndNoOther(string field)
    {
        using var t = new TestLedger(receipts: true);
        var claims = await ChargedAsync(t);

        var check = await t.Ledger.CheckReceiptAsync(Altered(claims, field));

        Assert.True(check.Found);
        Assert.False(check.Matches);
        Assert.StartsWith(field + ": the receipt says ", Assert.Single(check.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheIssuerAndKid_AreNotFiguresOfTheTransaction()
    {
        using var t = new TestLedger(receipts: true);
        var claims = await ChargedAsync(t);

        var check = await t.Ledger.CheckReceiptAsync(claims with { Iss = "another-name", Kid = "another-key" });

        Assert.True(check.Matches);
    }

    [Fact]
    public async Task AReceiptForATransactionNotInTheJournal_IsNotFound()
    {
        using var t = new TestLedger(receipts: true);
        var claims = await ChargedAsync(t);

        var check = await t.Ledger.CheckReceiptAsync(claims with { TransactionId = "tx_nope" });

        Assert.False(check.Found);
        Assert.False(check.Matches);
        Assert.Equal(["transaction \"tx_nope\" is not in the journal"], check.Problems);
    }

    [Fact]
    public async Task AJournalRowEditedAfterTheReceipt_DisagreesOnTheFigure_AndNoLongerHashes()
    {
        using var t = new TestLedger(receipts: true);
        var claims = await ChargedAsync(t);

        RawDb.Execute(t.DatabasePath, "UPDATE transactions SET amount = amount + 1 WHERE id = $id", ("$id", claims.TransactionId));
        var check = await t.Ledger.CheckReceiptAsync(claims);

        Assert.Equal(2, check.Problems.Count);
        Assert.StartsWith("amount: ", check.Problems[0], StringComparison.Ordinal);
        Assert.Contains("no longer hashes to its chain hash", check.Problems[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AJournalRowEditedOutsideTheReceiptsFigures_StillNoLongerHashes()
    {
        using var t = new TestLedger(receipts: true);
        var claims = await ChargedAsync(t);

        RawDb.Execute(t.DatabasePath, """UPDATE transactions SET metadata = '{"note":"edited"}' WHERE id = $id""", ("$id", claims.TransactionId));
        var check = await t.Ledger.CheckReceiptAsync(claims);

        Assert.Contains("no longer hashes to its chain hash", Assert.Single(check.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheCheck_OfALaterTransaction_ChainsFromTheRowBeforeIt_AndWorksOnAReadOnlyOpen()
    {
        using var t = new TestLedger(receipts: true);
        await ChargedAsync(t);
        await t.Ledger.SpendAsync(User, 7, "custom.render");
        var claims = await ChargedAsync(t);

        using var reader = TokenLedger.Open(t.Options with { ReadOnly = true });

        Assert.True((await reader.CheckReceiptAsync(claims)).Matches);
    }

    private static async Task<ReceiptClaims> ChargedAsync(TestLedger t)
    {
        var charge = await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.step") { Quantity = 2, CreatorId = "bob" });
        return await LedgerReceiptTests.VerifiedAsync(t, charge.Receipt);
    }

    private static ReceiptClaims Altered(ReceiptClaims c, string field) => field switch
    {
        "account" => c with { Account = "mallory" },
        "kind" => c with { Kind = "grant" },
        "operation" => c with { Operation = "model.export.stl" },
        "quantity" => c with { Quantity = c.Quantity + 1 },
        "amount" => c with { Amount = c.Amount - 1 },
        "creator_share" => c with { CreatorShare = c.CreatorShare + 1 },
        "platform_share" => c with { PlatformShare = c.PlatformShare - 1 },
        "balance_after" => c with { BalanceAfter = c.BalanceAfter + 1_000 },
        "timestamp" => c with { Timestamp = "2026-03-15T10:00:01.000Z" },
        _ => c with { ChainHash = new string('0', 64) },
    };
}
