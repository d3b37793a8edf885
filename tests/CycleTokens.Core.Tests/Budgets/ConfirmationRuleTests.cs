using CycleTokens.Core.Budgets;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Keys;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Budgets;

/// <summary>
/// Agent-billing spec §2, the engine's half of confirmation: a debit above confirm_above is not written until the caller
/// says the human confirmed at least its amount; it is never stored as a keyed outcome; a confirmation never covers
/// more than was confirmed nor lifts a hard limit.
/// </summary>
public sealed class ConfirmationRuleTests
{
    private const string User = "alice";
    private static readonly Spender Asking = new("key_test", new KeyBudget(ConfirmAbove: 100));

    [Fact]
    public async Task ChargeAboveConfirmAbove_WithoutConfirmation_SaysWhatToAsk_AndWritesNothing()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync(User);
        var rows = RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions");

        var ex = await Assert.ThrowsAsync<LedgerException>(
            () => t.Ledger.ChargeAsync(User, new ChargeRequest("model.download.parametric"), Asking));

        Assert.Equal(LedgerErrorCode.ConfirmationRequired, ex.Code);
        Assert.Equal("this charge of 200 tokens is above confirm_above (100 tokens) and needs the user's confirmation; nothing was written", ex.Message);
        Assert.Equal(new PendingDebit("charge", "charge for model.download.parametric", 200, 800, 100, null), ex.Debit);
        Assert.Equal(rows, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions"));
        Assert.Equal(0, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM credential_spend"));
    }

    [Fact]
    public async Task ADebitAtTheThreshold_NeedsNoConfirmation()
    {
        using var t = new TestLedger();

        var spend = await t.Ledger.SpendAsync(User, 100, "render", null, null, Asking);

        Assert.Equal(100, spend.Charged);
    }

    [Fact]
    public async Task KeyedCall_AwaitingConfirmation_IsNotStored_SoTheConfirmedRetryRuns_AndALaterRetryReplaysWithoutAsking()
    {
        using var t = new TestLedger();
        var request = new EscrowRequest(300, "J-17", "acme") { IdempotencyKey = "hold-1" };
        var ask = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.CreateEscrowAsync(User, request, Asking));
        Assert.Equal(new PendingDebit("escrow_hold", "escrow hold for job \"J-17\" at fab acme", 300, 700, 100, null), ask.Debit);
        Assert.Equal(0, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM idempotency"));

        var confirmed = await t.Ledger.CreateEscrowAsync(User, request, Asking with { Confirmed = 300 });
        var retried = await t.Ledger.CreateEscrowAsync(User, request, Asking);

        Assert.False(confirmed.Replayed);
        Assert.True(retried.Replayed);
        Assert.Equal(confirmed.Escrow.Id, retried.Escrow.Id);
        Assert.Equal(700, (await t.Ledger.GetBalanceAsync(User)).Total);
    }

    [Fact]
    public async Task APriceThatRoseAboveWhatWasConfirmed_IsRefused_NothingWritten()
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(
            () => t.Ledger.ChargeAsync(User, new ChargeRequest("model.download.parametric") { IdempotencyKey = "k" }, Asking with { Confirmed = 199 }));

        Assert.Equal(LedgerErrorCode.ConfirmationRequired, ex.Code);
        Assert.Equal("this charge now needs 200 tokens, more than the 199 tokens the user confirmed; nothing was written", ex.Message);
        Assert.Equal(199, ex.Debit!.Confirmed);
        Assert.Equal(1000, (await t.Ledger.GetBalanceAsync(User)).Total);
        Assert.Equal(0, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM idempotency"));
    }

    [Fact]
    public async Task AConfirmationCoversOnlyWhatWasConfirmed_EvenWithoutAThresholdAnyMore()
    {
        using var t = new TestLedger();
        var noThreshold = new Spender("key_test", KeyBudget.None) { Confirmed = 50 };

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync(User, 51, "render", null, null, noThreshold));

        Assert.Equal(LedgerErrorCode.ConfirmationRequired, ex.Code);
    }

    [Fact]
    public async Task ConfirmationNeverLiftsAHardLimit()
    {
        using var t = new TestLedger();
        var spender = new Spender("key_test", new KeyBudget(MaxPerCall: 150, ConfirmAbove: 100)) { Confirmed = 1_000_000 };

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync(User, 200, "render", null, null, spender));

        Assert.Equal(LedgerErrorCode.BudgetExceeded, ex.Code);
        Assert.Equal("max_per_call is 150 tokens; this call needs 200", ex.Message);
    }

    [Fact]
    public async Task HardLimitsAreCheckedBeforeConfirmation_SoNobodyIsAskedAboutADebitThatWouldBeRefused()
    {
        using var t = new TestLedger();
        var spender = new Spender("key_test", new KeyBudget(MaxPerDay: 150, ConfirmAbove: 100));

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync(User, 200, "render", null, null, spender));

        Assert.Equal(LedgerErrorCode.BudgetExceeded, ex.Code);
        Assert.Null(ex.Debit);
    }

    [Fact]
    public async Task AnUnaffordableDebit_FailsForTheBalance_BeforeAnyConfirmation()
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync(User, 5000, "render", null, null, Asking));

        Assert.Equal(LedgerErrorCode.InsufficientTokens, ex.Code);
    }

    [Fact]
    public async Task AConfirmationInABatchOfConcurrentWrites_UndoesOnlyItself()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync(User);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            try
            {
                await t.Ledger.SpendAsync(User, i % 2 == 0 ? 10 : 150, "render", null, $"k{i}", Asking);
                return "ok";
            }
            catch (LedgerException ex)
            {
                return ex.Code.ToString();
            }
        }));

        Assert.Equal(4, results.Count(r => r == "ok"));
        Assert.Equal(4, results.Count(r => r == nameof(LedgerErrorCode.ConfirmationRequired)));
        Assert.Equal(960, (await t.Ledger.GetBalanceAsync(User)).Total);
        Assert.Equal(40, RawDb.Scalar(t.DatabasePath, "SELECT amount FROM credential_spend"));
        Assert.Equal(4, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM idempotency"));
    }
}
