using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Idempotency;

/// <summary>
/// Product spec section 10: a keyed retry with the same arguments returns the stored outcome (result or business
/// failure) marked replayed and changes nothing; the same key with other arguments fails.
/// </summary>
public sealed class IdempotencyTests
{
    private const string User = "alice";
    private const string Reused = "idempotency key reused with different arguments";

    /// <summary>Everything a replay must leave alone.</summary>
    private sealed record State(long Transactions, long Postings, long Keys, long Escrows, long Purchases, long Refunds, string? Balances, int Events);

    private static State Snapshot(TestLedger t) => new(
        RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM transactions"),
        RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM postings"),
        RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM idempotency"),
        RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM escrows WHERE status = 'held'"),
        RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM purchases"),
        RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM refunds"),
        RawRows.Joined(t.DatabasePath, "SELECT id, balance FROM accounts ORDER BY id"),
        t.Events.Count);

    private static async Task AssertReusedAsync(TestLedger t, State before, Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<LedgerException>(call);
        Assert.Equal(LedgerErrorCode.IdempotencyKeyReused, ex.Code);
        Assert.Equal(Reused, ex.Message);
        Assert.Equal("idempotency_key", ex.Field);
        Assert.Equal(before, Snapshot(t));
    }

    [Fact]
    public async Task Charge_RetriedWithTheSameKey_ReplaysTheStoredResultAndChangesNothing()
    {
        using var t = new TestLedger();
        var request = new ChargeRequest("model.export.step") { CreatorId = "bob", IdempotencyKey = "k1" };
        var first = await t.Ledger.ChargeAsync(User, request);
        var before = Snapshot(t);

        var again = await t.Ledger.ChargeAsync(User, request);

        Assert.False(first.Replayed);
        Assert.True(again.Replayed);
        Assert.Equal(first, again with { Replayed = false });
        Assert.Equal(10, again.Charged); // not the cached repeat price of 1
        Assert.Equal(before, Snapshot(t));
        Assert.Equal(990, (await t.Ledger.GetBalanceAsync(User)).Total);
        await AssertReusedAsync(t, before, () => t.Ledger.ChargeAsync(User, request with { Operation = "model.export.stl" }));
    }

    [Theory]
    [InlineData("params")]
    [InlineData("quantity")]
    [InlineData("creator")]
    [InlineData("no-creator")]
    [InlineData("metadata")]
    public async Task Charge_SameKeyWithAnyArgumentChanged_IsRejected(string change)
    {
        using var t = new TestLedger();
        var request = new ChargeRequest("model.export.step")
        {
            Params = TestLedger.Json("""{"a":1}"""),
            CreatorId = "bob",
            Metadata = TestLedger.Json("""{"job":"x"}"""),
            IdempotencyKey = "k1",
        };
        await t.Ledger.ChargeAsync(User, request);
        var before = Snapshot(t);

        var changed = change switch
        {
            "params" => request with { Params = TestLedger.Json("""{"a":2}""") },
            "quantity" => request with { Quantity = 2 },
            "creator" => request with { CreatorId = "carol" },
            "no-creator" => request with { CreatorId = null },
            _ => request with { Metadata = TestLedger.Json("""{"job":"y"}""") },
        };

        await AssertReusedAsync(t, before, () => t.Ledger.ChargeAsync(User, changed));
    }

    [Fact]
    public async Task Charge_SameKeyWithParamsInAnotherKeyOrder_IsTheSameCallAndReplays()
    {
        using var t = new TestLedger();
        await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.step") { Params = TestLedger.Json("""{"a":1,"b":2}"""), IdempotencyKey = "k1" });
        var before = Snapshot(t);

        var again = await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.step") { Params = TestLedger.Json("""{ "b": 2, "a": 1 }"""), IdempotencyKey = "k1" });

        Assert.True(again.Replayed);
        Assert.Equal(before, Snapshot(t));
    }

    [Fact]
    public async Task Spend_RetriedWithTheSameKey_ReplaysTheStoredResultAndChangesNothing()
    {
        using var t = new TestLedger();
        var first = await t.Ledger.SpendAsync(User, 25, "model.export.step", idempotencyKey: "k1");
        var before = Snapshot(t);

        var again = await t.Ledger.SpendAsync(User, 25, "model.export.step", idempotencyKey: "k1");

        Assert.True(again.Replayed);
        Assert.Equal(first, again with { Replayed = false });
        Assert.Equal(before, Snapshot(t));
        Assert.Equal(975, (await t.Ledger.GetBalanceAsync(User)).Total);
        await AssertReusedAsync(t, before, () => t.Ledger.SpendAsync(User, 26, "model.export.step", idempotencyKey: "k1"));
        await AssertReusedAsync(t, before, () => t.Ledger.SpendAsync(User, 25, "model.export.stl", idempotencyKey: "k1"));
    }

    [Fact]
    public async Task Grant_RetriedWithTheSameKey_ReplaysTheStoredResultAndChangesNothing()
    {
        using var t = new TestLedger();
        var first = await t.Ledger.GrantAsync(User, 500, "bonus", idempotencyKey: "k1");
        var before = Snapshot(t);

        var again = await t.Ledger.GrantAsync(User, 500, "bonus", idempotencyKey: "k1");

        Assert.True(again.Replayed);
        Assert.Equal(first, again with { Replayed = false });
        Assert.Equal(before, Snapshot(t));
        Assert.Equal(1500, (await t.Ledger.GetBalanceAsync(User)).Total);
        await AssertReusedAsync(t, before, () => t.Ledger.GrantAsync(User, 501, "bonus", idempotencyKey: "k1"));
        await AssertReusedAsync(t, before, () => t.Ledger.GrantAsync(User, 500, "promo", idempotencyKey: "k1"));
    }

    [Fact]
    public async Task EscrowCreate_RetriedWithTheSameKey_ReplaysTheStoredResultAndChangesNothing()
    {
        using var t = new TestLedger();
        var request = new EscrowRequest(300, "job1", "shop1") { IdempotencyKey = "k1" };
        var first = await t.Ledger.CreateEscrowAsync(User, request);
        var before = Snapshot(t);

        var again = await t.Ledger.CreateEscrowAsync(User, request);

        Assert.True(again.Replayed);
        Assert.Equal(first.Escrow, again.Escrow);
        Assert.Equal(700, again.BalanceAfter);
        Assert.Equal(before, Snapshot(t));
        Assert.Single(await t.Ledger.ListEscrowsAsync(User));
        await AssertReusedAsync(t, before, () => t.Ledger.CreateEscrowAsync(User, request with { Amount = 301 }));
        await AssertReusedAsync(t, before, () => t.Ledger.CreateEscrowAsync(User, request with { JobId = "job2" }));
        await AssertReusedAsync(t, before, () => t.Ledger.CreateEscrowAsync(User, request with { FabId = "shop2" }));
        await AssertReusedAsync(t, before, () => t.Ledger.CreateEscrowAsync(User, request with { ExpiresInHours = 2 }));
    }

    [Fact]
    public async Task EscrowRelease_RetriedWithTheSameKey_ReplaysTheStoredResultAndChangesNothing()
    {
        using var t = new TestLedger();
        var escrow = await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(300, "job1", "shop1"));
        var other = await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(100, "job2", "shop1"));
        var first = await t.Ledger.ReleaseEscrowAsync(User, escrow.Escrow.Id, "k1");
        var before = Snapshot(t);

        var again = await t.Ledger.ReleaseEscrowAsync(User, escrow.Escrow.Id, "k1");

        Assert.True(again.Replayed);
        Assert.Equal(first.Escrow, again.Escrow);
        Assert.Equal(EscrowStatus.Released, again.Escrow.Status);
        Assert.Equal(before, Snapshot(t));
        Assert.Equal(300, RawDb.Scalar(t.DatabasePath, "SELECT balance FROM accounts WHERE id = 'fab:shop1'"));
        await AssertReusedAsync(t, before, () => t.Ledger.ReleaseEscrowAsync(User, other.Escrow.Id, "k1"));
    }

    [Fact]
    public async Task EscrowCancel_RetriedWithTheSameKey_ReplaysTheStoredResultAndChangesNothing()
    {
        using var t = new TestLedger();
        var escrow = await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(300, "job1", "shop1"));
        var other = await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(100, "job2", "shop1"));
        var first = await t.Ledger.CancelEscrowAsync(User, escrow.Escrow.Id, "k1");
        var before = Snapshot(t);

        var again = await t.Ledger.CancelEscrowAsync(User, escrow.Escrow.Id, "k1");

        Assert.True(again.Replayed);
        Assert.Equal(first.Escrow, again.Escrow);
        Assert.Equal(900, again.BalanceAfter);
        Assert.Equal(before, Snapshot(t));
        await AssertReusedAsync(t, before, () => t.Ledger.CancelEscrowAsync(User, other.Escrow.Id, "k1"));
    }

    [Fact]
    public async Task Purchase_RetriedWithTheSameKey_ReplaysTheStoredPurchaseAndCreatesNoOther()
    {
        using var t = new TestLedger();
        var first = await t.Ledger.CreatePurchaseAsync(User, 1000, "card", "k1");
        var before = Snapshot(t);

        var again = await t.Ledger.CreatePurchaseAsync(User, 1000, "card", "k1");

        Assert.True(again.Replayed);
        Assert.Equal(first.Purchase, again.Purchase);
        Assert.Equal(before, Snapshot(t));
        Assert.Equal(1, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM purchases"));
        await AssertReusedAsync(t, before, () => t.Ledger.CreatePurchaseAsync(User, 5000, "card", "k1"));
        await AssertReusedAsync(t, before, () => t.Ledger.CreatePurchaseAsync(User, 1000, "usdc", "k1"));
    }

    [Fact]
    public async Task Refund_RetriedWithTheSameKey_ReplaysTheStoredResultAndChangesNothing()
    {
        using var t = new TestLedger();
        var charge = await t.Ledger.ChargeAsync(User, new ChargeRequest("ai.design_review") { CreatorId = "bob" });
        var first = await t.Ledger.RefundAsync(charge.TransactionId, "failed export", "k1");
        var before = Snapshot(t);

        var again = await t.Ledger.RefundAsync(charge.TransactionId, "failed export", "k1");

        Assert.True(again.Replayed);
        Assert.Equal(first, again with { Replayed = false });
        Assert.Equal(15, again.Refunded);
        Assert.Equal(before, Snapshot(t));
        Assert.Equal(1000, (await t.Ledger.GetBalanceAsync(User)).Total);
        await AssertReusedAsync(t, before, () => t.Ledger.RefundAsync(charge.TransactionId, "another reason", "k1"));
    }

    [Fact]
    public async Task InsufficientSpend_UnderAKey_IsStored_AndRetryAfterTopUpStillFailsReplayed()
    {
        using var t = new TestLedger();
        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync(User, 5000, "model.export.step", idempotencyKey: "big"));
        Assert.Equal(LedgerErrorCode.InsufficientTokens, ex.Code);
        Assert.Equal("Insufficient tokens: have 1000, need 5000", ex.Message);
        Assert.False(ex.Replayed);
        await t.Ledger.GrantAsync(User, 10_000, "topup");
        var before = Snapshot(t);

        var retry = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync(User, 5000, "model.export.step", idempotencyKey: "big"));

        Assert.Equal(LedgerErrorCode.InsufficientTokens, retry.Code);
        Assert.Equal("Insufficient tokens: have 1000, need 5000", retry.Message);
        Assert.True(retry.Replayed);
        Assert.Equal(before, Snapshot(t));
        Assert.Equal(11_000, (await t.Ledger.GetBalanceAsync(User)).Total);
        await AssertReusedAsync(t, before, () => t.Ledger.SpendAsync(User, 10, "model.export.step", idempotencyKey: "big"));
    }

    [Fact]
    public async Task InsufficientEscrow_UnderAKey_IsStored_AndRetryAfterTopUpStillFailsReplayed()
    {
        using var t = new TestLedger();
        var request = new EscrowRequest(2000, "job1", "shop1") { IdempotencyKey = "big" };
        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.CreateEscrowAsync(User, request));
        Assert.False(ex.Replayed);
        await t.Ledger.GrantAsync(User, 5000, "topup");

        var retry = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.CreateEscrowAsync(User, request));

        Assert.Equal(LedgerErrorCode.InsufficientTokens, retry.Code);
        Assert.Equal("Insufficient tokens: have 1000, need 2000", retry.Message);
        Assert.True(retry.Replayed);
        Assert.Empty(await t.Ledger.ListEscrowsAsync(User));
    }

    [Fact]
    public async Task FailedCallUnderAKey_WritesOnlyTheKey()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync(User);
        var before = Snapshot(t);

        await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ChargeAsync(User, new ChargeRequest("model.download.full_ip") { Quantity = 2, IdempotencyKey = "k" }));

        Assert.Equal(before with { Keys = before.Keys + 1 }, Snapshot(t));
    }

    [Fact]
    public async Task InvalidArguments_UnderAKey_AreNotStored()
    {
        using var t = new TestLedger();
        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync(User, 0, "model.export.step", idempotencyKey: "k1"));
        Assert.Equal("amount", ex.Field);

        var spend = await t.Ledger.SpendAsync(User, 10, "model.export.step", idempotencyKey: "k1");

        Assert.False(spend.Replayed);
        Assert.Equal(990, spend.BalanceAfter);
    }

    [Theory]
    [InlineData("")]
    [InlineData("bad\nkey")]
    public async Task MalformedKey_IsRejectedNamingIdempotencyKey(string key)
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync(User, 10, "model.export.step", idempotencyKey: key));

        Assert.Equal("idempotency_key", ex.Field);
    }

    [Fact]
    public async Task Key_OfMaximumLength_IsAccepted()
    {
        using var t = new TestLedger();
        var key = new string('k', 255);

        await t.Ledger.SpendAsync(User, 10, "model.export.step", idempotencyKey: key);
        var again = await t.Ledger.SpendAsync(User, 10, "model.export.step", idempotencyKey: key);

        Assert.True(again.Replayed);
        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync(User, 10, "model.export.step", idempotencyKey: key + "k"));
        Assert.Equal("idempotency_key", ex.Field);
    }

    [Fact]
    public async Task Keys_AreScopedPerAccount()
    {
        using var t = new TestLedger();

        var alice = await t.Ledger.SpendAsync("alice", 10, "model.export.step", idempotencyKey: "shared");
        var bob = await t.Ledger.SpendAsync("bob", 20, "model.export.stl", idempotencyKey: "shared");

        Assert.False(alice.Replayed);
        Assert.False(bob.Replayed);
        Assert.NotEqual(alice.TransactionId, bob.TransactionId);
        Assert.Equal(990, (await t.Ledger.GetBalanceAsync("alice")).Total);
        Assert.Equal(980, (await t.Ledger.GetBalanceAsync("bob")).Total);
        Assert.True((await t.Ledger.SpendAsync("bob", 20, "model.export.stl", idempotencyKey: "shared")).Replayed);
    }

    [Fact]
    public async Task Key_StoredThroughOneConnection_IsReplayedThroughAnother()
    {
        using var t = new TestLedger();
        var other = t.OpenAnother();
        var first = await t.Ledger.SpendAsync(User, 25, "model.export.step", idempotencyKey: "k1");
        var before = Snapshot(t);

        var again = await other.SpendAsync(User, 25, "model.export.step", idempotencyKey: "k1");

        Assert.True(again.Replayed);
        Assert.Equal(first.TransactionId, again.TransactionId);
        Assert.Equal(before, Snapshot(t));
        var ex = await Assert.ThrowsAsync<LedgerException>(() => other.SpendAsync(User, 26, "model.export.step", idempotencyKey: "k1"));
        Assert.Equal(LedgerErrorCode.IdempotencyKeyReused, ex.Code);
        Assert.Equal(975, (await other.GetBalanceAsync(User)).Total);
    }

    [Fact]
    public async Task Key_IsStillReplayedTwentyNineDaysLater_AcrossAMonthReset()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync(User, 100, "bonus", idempotencyKey: "grant-1");
        var first = await t.Ledger.SpendAsync(User, 25, "model.export.step", idempotencyKey: "k1");
        t.Clock.Advance(TimeSpan.FromDays(29)); // 2026-04-13: the month reset prunes keys older than 30 days
        var balance = await t.Ledger.GetBalanceAsync(User);
        Assert.Equal(1100, balance.Total); // April allowance 1000 + the 100 granted (spends drew on allowance first)

        var again = await t.Ledger.SpendAsync(User, 25, "model.export.step", idempotencyKey: "k1");
        var grant = await t.Ledger.GrantAsync(User, 100, "bonus", idempotencyKey: "grant-1");

        Assert.True(again.Replayed);
        Assert.True(grant.Replayed);
        Assert.Equal(first.TransactionId, again.TransactionId);
        Assert.Equal(1100, (await t.Ledger.GetBalanceAsync(User)).Total);
    }

    [Fact]
    public async Task BusinessFailureOtherThanBalance_UnderAKey_IsStoredToo()
    {
        using var t = new TestLedger();
        var escrow = await t.Ledger.CreateEscrowAsync(User, new EscrowRequest(300, "job1", "shop1"));
        await t.Ledger.ReleaseEscrowAsync(User, escrow.Escrow.Id);

        var first = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.CancelEscrowAsync(User, escrow.Escrow.Id, "c1"));
        var again = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.CancelEscrowAsync(User, escrow.Escrow.Id, "c1"));

        Assert.Equal(LedgerErrorCode.EscrowNotHeld, first.Code);
        Assert.Equal($"Escrow {escrow.Escrow.Id} is not held (status: released)", first.Message);
        Assert.False(first.Replayed);
        Assert.Equal(first.Message, again.Message);
        Assert.Equal(first.Code, again.Code);
        Assert.True(again.Replayed);
    }
}
