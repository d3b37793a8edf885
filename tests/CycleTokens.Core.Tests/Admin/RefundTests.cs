using CycleTokens.Core.Accounts;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Events;
using CycleTokens.Core.History;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Admin;

public sealed class RefundTests
{
    /// <summary>alice: allowance 100 + purchased 500, then a 200-token charge drawing 100 from each part, creator bob.</summary>
    private static async Task<ChargeResult> ChargeFromBothPartsAsync(TestLedger t)
    {
        await t.Ledger.GrantAsync("alice", 500);
        await t.Ledger.SpendAsync("alice", 900, "setup");
        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.download.parametric") { CreatorId = "bob" });
        Assert.Equal((200L, 140L, 60L, 400L), (charge.Charged, charge.CreatorShare, charge.PlatformShare, charge.BalanceAfter));
        return charge;
    }

    [Fact]
    public async Task Refund_ReversesTheChargeIntoThePartsItDrewFrom()
    {
        using var t = new TestLedger();
        var charge = await ChargeFromBothPartsAsync(t);

        var refund = await t.Ledger.RefundAsync(charge.TransactionId, "customer complaint");
        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal(charge.TransactionId, refund.RefundedTransactionId);
        Assert.Equal((200L, 0L, 600L), (refund.Refunded, refund.Expired, refund.BalanceAfter));
        Assert.Equal((100L, 500L), (balance.Allowance, balance.Purchased));
        Assert.Equal(100, LedgerChecks.Posted(t.DatabasePath, refund.RefundTransactionId, "alice", "allowance"));
        Assert.Equal(100, LedgerChecks.Posted(t.DatabasePath, refund.RefundTransactionId, "alice", "purchased"));
        Assert.Equal(-140, LedgerChecks.Posted(t.DatabasePath, refund.RefundTransactionId, "creator:bob", "main"));
        Assert.Equal(-60, LedgerChecks.Posted(t.DatabasePath, refund.RefundTransactionId, "platform", "main"));
        Assert.Equal(0, LedgerChecks.Balance(t.DatabasePath, "creator:bob"));
        Assert.Equal(900, LedgerChecks.Balance(t.DatabasePath, "platform"));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Refund_IsANewTransaction_TheChargeStaysInTheJournal()
    {
        using var t = new TestLedger();
        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step"));
        var before = LedgerChecks.Counts(t.DatabasePath);

        var refund = await t.Ledger.RefundAsync(charge.TransactionId, "mistake");
        var history = await t.Ledger.GetHistoryAsync("alice", new HistoryQuery { Limit = 2 });

        Assert.Equal(before.Transactions + 1, LedgerChecks.Counts(t.DatabasePath).Transactions);
        Assert.Equal(
            [
                (refund.RefundTransactionId, TransactionKind.Refund, TransactionType.Credit, 10L, 1000L, charge.TransactionId),
                (charge.TransactionId, TransactionKind.Charge, TransactionType.Debit, 10L, 990L, (string?)null),
            ],
            history.Transactions.Select(x => (x.Id, x.Kind, x.Type, x.Amount, x.BalanceAfter, x.Ref)));
        Assert.Equal("""{"reason":"mistake"}""", history.Transactions[0].Metadata);
    }

    [Fact]
    public async Task Refund_RaisesTokenAddedEvent()
    {
        using var t = new TestLedger();
        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step"));
        t.Events.Clear();

        var refund = await t.Ledger.RefundAsync(charge.TransactionId, "mistake");

        var added = Assert.Single(t.Events);
        Assert.Equal(LedgerEventNames.TokenAdded, added.Name);
        Assert.Equal(10L, added.Data["amount"]);
        Assert.Equal("refund", added.Data["source"]);
        Assert.Equal(charge.TransactionId, added.Data["refunded_transaction_id"]);
        Assert.Equal(refund.RefundTransactionId, added.Data["transaction_id"]);
        Assert.Equal(1000L, added.Data["balance"]);
    }

    [Fact]
    public async Task Refund_AfterTheChargesMonthEnded_AllowancePartExpiresInstead()
    {
        using var t = new TestLedger();
        var charge = await ChargeFromBothPartsAsync(t);

        t.Clock.SetUtcNow(new DateTimeOffset(2026, 4, 3, 0, 0, 0, TimeSpan.Zero));
        var refund = await t.Ledger.RefundAsync(charge.TransactionId, "late complaint");
        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal((100L, 100L), (refund.Refunded, refund.Expired));
        Assert.Equal((1000L, 500L, 1500L), (balance.Allowance, balance.Purchased, balance.Total));
        Assert.Equal(1500, refund.BalanceAfter);
        Assert.Equal(0, LedgerChecks.Posted(t.DatabasePath, refund.RefundTransactionId, "alice", "allowance"));
        Assert.Equal(100, LedgerChecks.Posted(t.DatabasePath, refund.RefundTransactionId, "alice", "purchased"));
        Assert.Equal(100, LedgerChecks.Posted(t.DatabasePath, refund.RefundTransactionId, AccountNames.SystemExpired, "main"));
        Assert.Equal(100, LedgerChecks.Balance(t.DatabasePath, AccountNames.SystemExpired)); // March's allowance was spent: only the refunded part
        Assert.Equal(0, LedgerChecks.Balance(t.DatabasePath, "creator:bob"));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Refund_OfASpend_ReversesIt()
    {
        using var t = new TestLedger();
        var spend = await t.Ledger.SpendAsync("alice", 300, "render");

        var refund = await t.Ledger.RefundAsync(spend.TransactionId, "duplicate");

        Assert.Equal((300L, 1000L), (refund.Refunded, refund.BalanceAfter));
        Assert.Equal(0, LedgerChecks.Balance(t.DatabasePath, "platform"));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Refund_Twice_FailsWithAlreadyRefunded_AndWritesNothing()
    {
        using var t = new TestLedger();
        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { CreatorId = "bob" });
        await t.Ledger.RefundAsync(charge.TransactionId, "first");
        var before = LedgerChecks.Counts(t.DatabasePath);

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.RefundAsync(charge.TransactionId, "second"));

        Assert.Equal(LedgerErrorCode.AlreadyRefunded, ex.Code);
        Assert.Equal("transaction_id", ex.Field);
        Assert.Equal($"Transaction {charge.TransactionId} has already been refunded", ex.Message);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
        Assert.Equal(1000, (await t.Ledger.GetBalanceAsync("alice")).Total);
    }

    [Fact]
    public async Task Refund_OfANonCharge_IsRejected()
    {
        using var t = new TestLedger();
        var grant = await t.Ledger.GrantAsync("alice", 50);
        var allowanceTx = (await t.Ledger.GetHistoryAsync("alice", new HistoryQuery { Kind = TransactionKind.Allowance })).Transactions.Single();
        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step"));
        var refund = await t.Ledger.RefundAsync(charge.TransactionId, "ok");
        var before = LedgerChecks.Counts(t.DatabasePath);

        foreach (var (id, kind) in new[] { (grant.TransactionId, "grant"), (allowanceTx.Id, "allowance"), (refund.RefundTransactionId, "refund") })
        {
            var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.RefundAsync(id, "try"));
            Assert.Equal(LedgerErrorCode.InvalidArgument, ex.Code);
            Assert.Equal("transaction_id", ex.Field);
            Assert.Equal($"transaction_id must name a charge or spend (got {kind})", ex.Message);
        }

        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
    }

    [Fact]
    public async Task Refund_OfAnEscrowTransaction_IsRejected()
    {
        using var t = new TestLedger();
        await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(100, "job", "shop"));
        var hold = (await t.Ledger.GetHistoryAsync("alice", new HistoryQuery { Kind = TransactionKind.Escrow })).Transactions.Single();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.RefundAsync(hold.Id, "try"));

        Assert.Equal(LedgerErrorCode.InvalidArgument, ex.Code);
        Assert.Equal(900, (await t.Ledger.GetBalanceAsync("alice")).Total);
    }

    [Fact]
    public async Task Refund_UnknownTransaction_IsNotFound()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        var before = LedgerChecks.Counts(t.DatabasePath);

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.RefundAsync("tx_999999", "why"));

        Assert.Equal(LedgerErrorCode.NotFound, ex.Code);
        Assert.Equal("transaction_id", ex.Field);
        Assert.Equal("Transaction tx_999999 not found", ex.Message);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
    }

    [Theory]
    [InlineData("")]
    [InlineData("tx 1")]
    [InlineData("tx-1")]
    public async Task Refund_MalformedTransactionId_IsRejectedNamingTheField(string id)
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.RefundAsync(id, "why"));

        Assert.Equal(LedgerErrorCode.InvalidArgument, ex.Code);
        Assert.Equal("transaction_id", ex.Field);
    }

    [Theory]
    [InlineData("")]
    [InlineData("line\nbreak")]
    public async Task Refund_InvalidReason_IsRejectedAndWritesNothing(string reason)
    {
        using var t = new TestLedger();
        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step"));
        var before = LedgerChecks.Counts(t.DatabasePath);

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.RefundAsync(charge.TransactionId, reason));

        Assert.Equal("reason", ex.Field);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
    }
}
