using System.Collections.Concurrent;
using CycleTokens.Core.Budgets;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Keys;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Budgets;

/// <summary>
/// Agent-billing spec §2: a credential's hard limits, enforced inside the debit's write transaction — above
/// max_per_call, or past max_per_day on the UTC day, a debit is refused naming the limit and what is left, and nothing
/// is written.
/// </summary>
public sealed class BudgetLimitTests
{
    private const string User = "alice";
    private const string Key = "key_test";

    private static Spender With(long? perCall = null, long? perDay = null, long? confirmAbove = null, string credential = Key) =>
        new(credential, new KeyBudget(perCall, perDay, confirmAbove));

    private static long DayTotal(TestLedger t, string credential = Key) =>
        RawDb.Scalar(t.DatabasePath, "SELECT COALESCE(SUM(amount), 0) FROM credential_spend WHERE credential = $c", ("$c", credential));

    private static long Journal(TestLedger t) => RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions");

    [Fact]
    public async Task Charge_AboveMaxPerCall_IsRefusedNamingTheLimit_AndWritesNothing()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync(User);
        var rows = Journal(t);

        var ex = await Assert.ThrowsAsync<LedgerException>(
            () => t.Ledger.ChargeAsync(User, new ChargeRequest("model.download.parametric"), With(perCall: 199)));

        Assert.Equal(LedgerErrorCode.BudgetExceeded, ex.Code);
        Assert.Equal("max_per_call is 199 tokens; this call needs 200", ex.Message);
        Assert.Equal(1000, (await t.Ledger.GetBalanceAsync(User)).Total);
        Assert.Equal(rows, Journal(t));
        Assert.Equal(0, DayTotal(t));
    }

    [Fact]
    public async Task Charge_OfExactlyMaxPerCall_IsAllowed_AndCountedOnTheDay()
    {
        using var t = new TestLedger();

        var charge = await t.Ledger.ChargeAsync(User, new ChargeRequest("model.download.parametric"), With(perCall: 200));

        Assert.Equal(200, charge.Charged);
        Assert.Equal(200, DayTotal(t));
    }

    [Fact]
    public async Task MaxPerCallOfZero_RefusesAnyDebit_ButAFreeOperationStillRuns()
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync(User, 1, "render", null, null, With(perCall: 0)));
        var free = await t.Ledger.ChargeAsync(User, new ChargeRequest("collab.share"), With(perCall: 0, perDay: 0));

        Assert.Equal("max_per_call is 0 tokens; this call needs 1", ex.Message);
        Assert.Equal(0, free.Charged);
        Assert.Equal(0, DayTotal(t));
    }

    [Fact]
    public async Task Spend_ThatWouldTakeTheDayPastMaxPerDay_IsRefusedWithWhatIsUsedAndNeeded_AndTheRestStillFits()
    {
        using var t = new TestLedger();
        var budget = With(perDay: 500);
        await t.Ledger.SpendAsync(User, 420, "render", null, null, budget);
        var rows = Journal(t);

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync(User, 90, "render", null, null, budget));

        Assert.Equal(LedgerErrorCode.BudgetExceeded, ex.Code);
        Assert.Equal("max_per_day is 500 tokens; 420 used today, this call needs 90", ex.Message);
        Assert.Equal(rows, Journal(t));
        Assert.Equal(420, DayTotal(t));
        Assert.Equal(580, (await t.Ledger.GetBalanceAsync(User)).Total);

        // Exactly what is left still fits.
        await t.Ledger.SpendAsync(User, 80, "render", null, null, budget);
        Assert.Equal(500, DayTotal(t));
    }

    [Fact]
    public async Task MaxPerDay_CountsChargesSpendsAndEscrowHoldsTogether()
    {
        using var t = new TestLedger();
        var budget = With(perDay: 300);
        await t.Ledger.ChargeAsync(User, new ChargeRequest("fab.submit.job"), budget);
        await t.Ledger.SpendAsync(User, 100, "render", null, null, budget);
        await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(100, "J-1", "acme"), budget);

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync(User, 1, "render", null, null, budget));

        Assert.Equal("max_per_day is 300 tokens; 300 used today, this call needs 1", ex.Message);
    }

    [Fact]
    public async Task MaxPerDay_StartsAgainAtUtcMidnight_NotBefore()
    {
        using var t = new TestLedger();
        var budget = With(perDay: 100);
        await t.Ledger.SpendAsync(User, 100, "render", null, null, budget);

        // 2026-03-15 23:59:59.999 UTC: still the same day.
        t.Clock.SetUtcNow(new DateTimeOffset(2026, 3, 15, 23, 59, 59, 999, TimeSpan.Zero));
        var late = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync(User, 1, "render", null, null, budget));
        Assert.Equal("max_per_day is 100 tokens; 100 used today, this call needs 1", late.Message);

        t.Clock.SetUtcNow(new DateTimeOffset(2026, 3, 16, 0, 0, 0, TimeSpan.Zero));
        await t.Ledger.SpendAsync(User, 100, "render", null, null, budget);

        var status = await t.Ledger.GetBudgetAsync(budget);
        Assert.Equal(100, status.UsedToday);
        Assert.Equal(0, status.LeftToday);
        Assert.Equal(new DateTimeOffset(2026, 3, 16, 0, 0, 0, TimeSpan.Zero), status.Day);
        Assert.Equal(new DateTimeOffset(2026, 3, 17, 0, 0, 0, TimeSpan.Zero), status.ResetsAt);
    }

    [Fact]
    public async Task MaxPerDay_IsPerCredential_NotPerAccount()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync(User, 100, "render", null, null, With(perDay: 100, credential: "key_a"));

        await t.Ledger.SpendAsync(User, 100, "render", null, null, With(perDay: 100, credential: "key_b"));

        Assert.Equal(100, DayTotal(t, "key_a"));
        Assert.Equal(100, DayTotal(t, "key_b"));
        await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync(User, 1, "render", null, null, With(perDay: 100, credential: "key_a")));
    }

    [Fact]
    public async Task ADailyLimitSetDuringTheDay_CountsWhatTheCredentialDebitedEarlierThatDay()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync(User, 300, "render", null, null, With());

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync(User, 1, "render", null, null, With(perDay: 300)));

        Assert.Equal("max_per_day is 300 tokens; 300 used today, this call needs 1", ex.Message);
    }

    [Fact]
    public async Task TheEnginesOwnCallers_WithoutASpender_AreNeitherLimitedNorCounted()
    {
        using var t = new TestLedger();

        await t.Ledger.SpendAsync(User, 900, "render");

        Assert.Equal(0, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM credential_spend"));
    }

    [Fact]
    public async Task KeyedCall_RefusedByABudget_ReplaysTheSameRefusal_LikeAShortBalance()
    {
        using var t = new TestLedger();
        var budget = With(perCall: 10);
        var first = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync(User, 50, "render", null, "k1", budget));

        var again = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync(User, 50, "render", null, "k1", With(perCall: 1000)));

        Assert.False(first.Replayed);
        Assert.True(again.Replayed);
        Assert.Equal(first.Message, again.Message);
        Assert.Equal(1000, (await t.Ledger.GetBalanceAsync(User)).Total);
    }

    [Fact]
    public async Task CancelledEscrow_GivesItsHoldBackToTheDay_AReleasedOneStaysCounted()
    {
        using var t = new TestLedger();
        var budget = With(perDay: 300);
        var cancelled = await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(200, "J-1", "acme"), budget);
        var released = await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(100, "J-2", "acme"), budget);
        Assert.Equal(300, DayTotal(t));

        await t.Ledger.CancelEscrowAsync(User, cancelled.Escrow.Id);
        await t.Ledger.ReleaseEscrowAsync(User, released.Escrow.Id);

        Assert.Equal(100, DayTotal(t));
        Assert.Equal(0, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM budget_holds"));
        await t.Ledger.SpendAsync(User, 200, "render", null, null, budget);
    }

    [Fact]
    public async Task AnEscrowExpiringTheNextDay_GivesItsHoldBackToTheDayItWasCountedOn_NotToToday()
    {
        using var t = new TestLedger();
        var budget = With(perDay: 300);
        await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(300, "J-1", "acme") { ExpiresInHours = 20 }, budget);

        t.Clock.Advance(TimeSpan.FromHours(21));
        await t.Ledger.SpendAsync(User, 300, "render", null, null, budget);

        // The expiry (performed by the spend's touch) took yesterday's 300 back; today's 300 is the spend's.
        Assert.Equal(0, RawDb.Scalar(t.DatabasePath, "SELECT amount FROM credential_spend WHERE day = 20527"));
        Assert.Equal(300, RawDb.Scalar(t.DatabasePath, "SELECT amount FROM credential_spend WHERE day = 20528"));
    }

    [Fact]
    public async Task MaxPerDay_UnderConcurrentDebitsFromFourConnections_IsNeverExceeded_AndTheTotalIsExact()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync(User, 100_000);
        var budget = With(perDay: 1000);
        var refusals = new ConcurrentBag<string>();
        TokenLedger[] connections = [t.Ledger, t.OpenAnother(idTag: "b"), t.OpenAnother(idTag: "c"), t.OpenAnother(idTag: "d")];

        // 4 x 40 spends of 10 tokens against a daily limit of 1,000: exactly 100 fit.
        var succeeded = await Race.RunAsync(connections, async (ledger, _) =>
        {
            var ok = 0;
            for (var i = 0; i < 40; i++)
            {
                try
                {
                    await ledger.SpendAsync(User, 10, "render", null, null, budget);
                    ok++;
                }
                catch (LedgerException ex) when (ex.Code == LedgerErrorCode.BudgetExceeded)
                {
                    refusals.Add(ex.Message);
                }
            }

            return ok;
        });

        Assert.Equal(100, succeeded.Sum());
        Assert.All(refusals, m => Assert.Equal("max_per_day is 1000 tokens; 1000 used today, this call needs 10", m));
        Assert.Equal(1000, DayTotal(t));
        Assert.Equal(100, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions WHERE kind = 'spend'"));
    }

    [Fact]
    public async Task GetBudget_ReportsTheLimitsAndWhatIsLeftToday()
    {
        using var t = new TestLedger();
        var budget = With(perCall: 300, perDay: 1000, confirmAbove: 250);
        await t.Ledger.SpendAsync(User, 120, "render", null, null, budget);

        var status = await t.Ledger.GetBudgetAsync(budget);

        Assert.Equal(new BudgetStatus(Key, 300, 1000, 250, new DateTimeOffset(2026, 3, 15, 0, 0, 0, TimeSpan.Zero), 120, 880, new DateTimeOffset(2026, 3, 16, 0, 0, 0, TimeSpan.Zero)), status);
        Assert.Null((await t.Ledger.GetBudgetAsync(With(perCall: 5))).LeftToday);
    }

    [Theory]
    [InlineData("", null, "credential must be 1-1000 characters")]
    [InlineData(Key, -1L, "max_per_day must be a whole number from 0 to 1000000000000 (got -1)")]
    public async Task ASpenderThatBreaksARule_IsRefusedBeforeAnythingIsOpened(string credential, long? perDay, string expected)
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync(User, 1, "render", null, null, With(perDay: perDay, credential: credential)));

        Assert.Equal(LedgerErrorCode.InvalidArgument, ex.Code);
        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions"));
    }
}
