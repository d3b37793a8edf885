using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Receipts;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Receipts;

/// <summary>
/// Agent-billing spec §3 in the engine: every movement a caller asks for returns a receipt signed by the ledger's key
/// that states its journal row, and a keyed replay returns the very same token.
/// </summary>
public sealed class LedgerReceiptTests
{
    private const string User = "alice";

    public static TheoryData<string, string> Movements => new()
    {
        { "charge", "charge" },
        { "spend", "spend" },
        { "escrow-create", "escrow_hold" },
        { "escrow-release", "escrow_release" },
        { "escrow-cancel", "escrow_cancel" },
        { "grant", "grant" },
        { "purchase-complete", "purchase" },
        { "refund", "refund" },
    };

    public static TheoryData<string> KeyedMovements => ["charge", "spend", "escrow-create", "escrow-release", "escrow-cancel", "grant", "refund"];

    [Fact]
    public async Task Charge_ReturnsAReceipt_SignedByTheLedgersKey_StatingTheChargeTheIssuerAndTheChainHash()
    {
        using var t = new TestLedger(new LedgerOptions { DatabasePath = "unused", ReceiptIssuer = "https://billing.example.com" }, receipts: true);

        var charge = await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.step") { Quantity = 10, CreatorId = "bob" });
        var claims = await VerifiedAsync(t, charge.Receipt);

        Assert.True(charge.CreatorShare > 0 && charge.PlatformShare > 0);
        Assert.Equal(
            new ReceiptClaims(
                "https://billing.example.com",
                t.Ledger.ReceiptKeys!.CurrentKid,
                charge.TransactionId,
                User,
                "charge",
                "model.export.step",
                10,
                charge.Charged,
                charge.CreatorShare,
                charge.PlatformShare,
                charge.BalanceAfter,
                "2026-03-15T10:00:00.000Z",
                StoredRow(t, charge.TransactionId).Hash),
            claims);
    }

    [Theory]
    [MemberData(nameof(Movements))]
    public async Task EveryMovement_ReturnsAReceipt_ThatVerifies_AndStatesItsJournalRow(string movement, string kind)
    {
        using var t = new TestLedger(receipts: true);

        var receipt = await MoveAsync(t, movement, key: null);
        var claims = await VerifiedAsync(t, receipt);
        var row = StoredRow(t, claims.TransactionId);

        Assert.Equal(RawRows.Text(t.DatabasePath, "SELECT id FROM transactions ORDER BY seq DESC LIMIT 1"), claims.TransactionId);
        Assert.Equal(kind, claims.Kind);
        Assert.Equal((row.Account, row.Operation, row.Amount, row.BalanceAfter, row.Hash), (claims.Account, claims.Operation, claims.Amount, claims.BalanceAfter, claims.ChainHash));
        Assert.Equal(LedgerOptions.DefaultReceiptIssuer, claims.Iss);
        Assert.True((await t.Ledger.CheckReceiptAsync(claims)).Matches);
    }

    [Fact]
    public async Task Refund_Receipt_StatesTheSharesTakenBack_AsNegativeFigures()
    {
        using var t = new TestLedger(receipts: true);
        var charge = await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.step") { CreatorId = "bob" });

        var refund = await t.Ledger.RefundAsync(charge.TransactionId, "failed export");
        var claims = await VerifiedAsync(t, refund.Receipt);

        Assert.Equal((-charge.CreatorShare, -charge.PlatformShare, refund.Refunded), (claims.CreatorShare, claims.PlatformShare, claims.Amount));
        Assert.Null(claims.Quantity);
    }

    [Theory]
    [MemberData(nameof(KeyedMovements))]
    public async Task KeyedMovement_Replayed_ReturnsTheByteIdenticalReceipt_AlsoThroughAnotherConnection(string movement)
    {
        using var t = new TestLedger(receipts: true);
        var first = await MoveAsync(t, movement, key: "k1");
        var journal = RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions");

        var again = await MoveAsync(t, movement, key: "k1", again: true);
        var elsewhere = await MoveAsync(t, movement, key: "k1", again: true, ledger: t.OpenAnother());

        Assert.NotNull(first);
        Assert.Equal(first, again);
        Assert.Equal(first, elsewhere);
        Assert.Equal(journal, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions"));
    }

    [Fact]
    public async Task UnkeyedCharges_WithTheSameFigures_GetReceiptsOfTheirOwn()
    {
        using var t = new TestLedger(receipts: true);

        var first = await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.step"));
        var second = await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.step"));

        Assert.NotEqual((await VerifiedAsync(t, first.Receipt)).TransactionId, (await VerifiedAsync(t, second.Receipt)).TransactionId);
    }

    [Fact]
    public async Task CompletingACompletedPurchase_SignsTheOriginalCompletionAgain()
    {
        using var t = new TestLedger(receipts: true);
        var purchase = await t.Ledger.CreatePurchaseAsync(User, 500, "card");
        var completed = await t.Ledger.CompletePurchaseAsync(purchase.Purchase.Id);
        await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.step"));

        var again = await t.Ledger.CompletePurchaseAsync(purchase.Purchase.Id);

        Assert.Null(purchase.Receipt);
        Assert.True(again.Replayed);
        Assert.Equal(await VerifiedAsync(t, completed.Receipt), await VerifiedAsync(t, again.Receipt));
    }

    [Fact]
    public async Task ALedgerWithoutReceiptKeys_ReturnsNoReceipt_AndMakesNoKeyFile()
    {
        using var t = new TestLedger();

        var charge = await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.step") { IdempotencyKey = "k" });
        var grant = await t.Ledger.GrantAsync(User, 100);

        Assert.Null(t.Ledger.ReceiptKeys);
        Assert.Null(charge.Receipt);
        Assert.Null(grant.Receipt);
        Assert.False(File.Exists(t.ReceiptKeysPath));
    }

    [Fact]
    public async Task AReadOnlyOpen_OpensNoKeyRing_AndCreatesNoKeyFile()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync(User, 100);
        var keys = Path.Combine(t.Folder, "keys.json");

        using var reader = TokenLedger.Open(t.Options with { ReadOnly = true, ReceiptKeysPath = keys });

        Assert.Null(reader.ReceiptKeys);
        Assert.False(File.Exists(keys));
    }

    [Fact]
    public void Open_WithAKeyFileOthersCanRead_IsRefused_NamingTheKeyFile()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix permissions
        }

        using var t = new TestLedger(receipts: true);
        File.SetUnixFileMode(t.ReceiptKeysPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var e = Assert.Throws<ReceiptKeyException>(() => TokenLedger.Open(t.Options));

        Assert.Equal(ReceiptKeyFailure.TooOpen, e.Failure);
        Assert.Contains(t.ReceiptKeysPath, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_WithAnEmptyIssuer_IsAProgrammingError()
    {
        using var folder = new TempFolder();

        Assert.Throws<ArgumentException>(() => TokenLedger.Open(new LedgerOptions { DatabasePath = folder.File("ledger.db"), ReceiptIssuer = " " }));
    }

    internal static async Task<ReceiptClaims> VerifiedAsync(TestLedger t, string? receipt)
    {
        Assert.NotNull(receipt);
        var verification = ReceiptVerifier.Verify(receipt, await t.Ledger.ReceiptKeys!.PublishedKeysAsync());
        Assert.Equal(ReceiptCheck.Valid, verification.Outcome);
        return verification.Claims!;
    }

    internal static (string Account, string? Operation, long Amount, long BalanceAfter, string Hash) StoredRow(TestLedger t, string transactionId)
    {
        var row = RawRows.Query(t.DatabasePath, "SELECT account, operation, amount, balance_after, hash FROM transactions WHERE id = $id", ("$id", transactionId)).Single();
        return ((string)row[0]!, (string?)row[1], (long)row[2]!, (long)row[3]!, Convert.ToHexStringLower((byte[])row[4]!));
    }

    /// <summary>Makes one movement (with what it needs first, unless <paramref name="again"/>) and returns its receipt.</summary>
    private static async Task<string?> MoveAsync(TestLedger t, string movement, string? key, bool again = false, TokenLedger? ledger = null)
    {
        ledger ??= t.Ledger;
        switch (movement)
        {
            case "charge":
                return (await ledger.ChargeAsync(User, new ChargeRequest("model.export.step") { Quantity = 3, CreatorId = "bob", IdempotencyKey = key })).Receipt;
            case "spend":
                return (await ledger.SpendAsync(User, 25, "custom.render", idempotencyKey: key)).Receipt;
            case "escrow-create":
                return (await ledger.CreateEscrowAsync(User, new EscrowRequest(40, "job-1", "fab-1") { IdempotencyKey = key })).Receipt;
            case "escrow-release":
                return (await ledger.ReleaseEscrowAsync(User, again ? HeldEscrowId(t) : await HoldAsync(t), key)).Receipt;
            case "escrow-cancel":
                return (await ledger.CancelEscrowAsync(User, again ? HeldEscrowId(t) : await HoldAsync(t), key)).Receipt;
            case "grant":
                return (await ledger.GrantAsync(User, 300, idempotencyKey: key)).Receipt;
            case "purchase-complete":
                return (await ledger.CompletePurchaseAsync((await ledger.CreatePurchaseAsync(User, 500, "card")).Purchase.Id)).Receipt;
            default:
                var charged = again
                    ? RawRows.Text(t.DatabasePath, "SELECT id FROM transactions WHERE kind = 'charge' ORDER BY seq DESC LIMIT 1")!
                    : (await ledger.ChargeAsync(User, new ChargeRequest("model.export.step") { CreatorId = "bob" })).TransactionId;
                return (await ledger.RefundAsync(charged, "failed export", key)).Receipt;
        }
    }

    private static async Task<string> HoldAsync(TestLedger t) =>
        (await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(40, "job-1", "fab-1"))).Escrow.Id;

    // The escrow the first call released or cancelled: the replay names the same one.
    private static string HeldEscrowId(TestLedger t) => RawRows.Text(t.DatabasePath, "SELECT id FROM escrows ORDER BY created_ms DESC, id DESC LIMIT 1")!;
}
