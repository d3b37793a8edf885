using CycleTokens.Core.Accounts;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Events;
using CycleTokens.Core.History;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Escrows;

public sealed class EscrowTests
{
    private static readonly DateTimeOffset April2 = new(2026, 4, 2, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Create_HoldsTheAmountInItsEscrowAccount_AllowanceFirst()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 500);

        var created = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(1200, "job_fab_123", "shop_456") { Metadata = TestLedger.Json("""{"po":"A-1"}""") });
        var balance = await t.Ledger.GetBalanceAsync("alice");

        var escrow = created.Escrow;
        Assert.StartsWith("esc_", escrow.Id, StringComparison.Ordinal);
        Assert.Equal(("alice", 1200L, "job_fab_123", "shop_456", EscrowStatus.Held), (escrow.Account, escrow.Amount, escrow.JobId, escrow.FabId, escrow.Status));
        Assert.Equal(TestLedger.Start, escrow.CreatedAt);
        Assert.Null(escrow.ExpiresAt);
        Assert.Null(escrow.ReleasedAt);
        Assert.Null(escrow.CancelledAt);
        Assert.Equal("""{"po":"A-1"}""", escrow.Metadata);
        Assert.Equal(300, created.BalanceAfter);
        Assert.Equal((0L, 300L, 300L, 1200L), (balance.Allowance, balance.Purchased, balance.Total, balance.HeldInEscrow));
        Assert.Equal(1200, LedgerChecks.Balance(t.DatabasePath, "escrow:" + escrow.Id));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Create_RaisesEscrowCreatedEvent()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        t.Events.Clear();

        var escrow = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(250, "job-1", "shop"));

        var created = Assert.Single(t.Events);
        Assert.Equal(LedgerEventNames.EscrowCreated, created.Name);
        Assert.Equal(escrow.Escrow.Id, created.Data["escrow_id"]);
        Assert.Equal(250L, created.Data["amount"]);
        Assert.Equal("job-1", created.Data["job_id"]);
        Assert.Equal("shop", created.Data["fab_id"]);
        Assert.Equal(750L, created.Data["balance"]);
    }

    [Fact]
    public async Task Create_WithInsufficientBalance_FailsLikeACharge_AndWritesNothing()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        var before = LedgerChecks.Counts(t.DatabasePath);
        t.Events.Clear();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(1001, "job", "shop")));

        Assert.Equal(LedgerErrorCode.InsufficientTokens, ex.Code);
        Assert.Equal("Insufficient tokens: have 1000, need 1001", ex.Message);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
        Assert.Empty(t.Events);
    }

    [Fact]
    public async Task Release_CreditsTheFabAccount_AndLeavesTheUserBalance()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(400, "job", "shop_456"));
        t.Clock.Advance(TimeSpan.FromHours(5));
        t.Events.Clear();

        var released = await t.Ledger.ReleaseEscrowAsync("alice", created.Escrow.Id);
        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal(EscrowStatus.Released, released.Escrow.Status);
        Assert.Equal(TestLedger.Start.AddHours(5), released.Escrow.ReleasedAt);
        Assert.Equal(600, released.BalanceAfter);
        Assert.Equal((600L, 0L), (balance.Total, balance.HeldInEscrow));
        Assert.Equal(400, LedgerChecks.Balance(t.DatabasePath, "fab:shop_456"));
        Assert.Equal(0, LedgerChecks.Balance(t.DatabasePath, "escrow:" + created.Escrow.Id));
        var ev = Assert.Single(t.Events);
        Assert.Equal(LedgerEventNames.EscrowReleased, ev.Name);
        Assert.Equal(400L, ev.Data["amount"]);
        Assert.Equal("shop_456", ev.Data["fab_id"]);
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Cancel_ReturnsTheAmountIntoThePartsItCameFrom()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 500);
        await t.Ledger.SpendAsync("alice", 600, "x"); // allowance 400, purchased 500
        var created = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(700, "job", "shop")); // 400 + 300
        await t.Ledger.SpendAsync("alice", 150, "x"); // purchased 50
        t.Events.Clear();

        var cancelled = await t.Ledger.CancelEscrowAsync("alice", created.Escrow.Id);
        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal(EscrowStatus.Cancelled, cancelled.Escrow.Status);
        Assert.Equal(TestLedger.Start, cancelled.Escrow.CancelledAt);
        Assert.Equal(750, cancelled.BalanceAfter);
        Assert.Equal((400L, 350L, 0L), (balance.Allowance, balance.Purchased, balance.HeldInEscrow));
        Assert.Equal(0, LedgerChecks.Balance(t.DatabasePath, "escrow:" + created.Escrow.Id));
        Assert.False(LedgerChecks.Exists(t.DatabasePath, "fab:shop"));
        var ev = Assert.Single(t.Events);
        Assert.Equal(LedgerEventNames.EscrowCancelled, ev.Name);
        Assert.Equal("cancelled", ev.Data["reason"]);
        Assert.Equal(700L, ev.Data["returned"]);
        Assert.Equal(0L, ev.Data["expired"]);
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Cancel_AfterTheHoldsMonthEnded_AllowancePartExpires()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 500);
        var created = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(1200, "job", "shop")); // 1000 allowance + 200 purchased

        t.Clock.SetUtcNow(April2);
        var cancelled = await t.Ledger.CancelEscrowAsync("alice", created.Escrow.Id);
        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal((1000L, 500L, 1500L), (balance.Allowance, balance.Purchased, balance.Total));
        Assert.Equal(1500, cancelled.BalanceAfter);
        Assert.Equal(1000, LedgerChecks.Balance(t.DatabasePath, AccountNames.SystemExpired));
        var ev = t.Events.Last(e => e.Name == LedgerEventNames.EscrowCancelled);
        Assert.Equal(200L, ev.Data["returned"]);
        Assert.Equal(1000L, ev.Data["expired"]);
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(48)]
    [InlineData(8760)]
    public async Task Create_WithExpiry_SetsExpiresAt(int hours)
    {
        using var t = new TestLedger();

        var created = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(10, "job", "shop") { ExpiresInHours = hours });

        Assert.Equal(TestLedger.Start.AddHours(hours), created.Escrow.ExpiresAt);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(8761)]
    public async Task Create_WithExpiryOutOfRange_IsRejectedAndWritesNothing(int hours)
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        var before = LedgerChecks.Counts(t.DatabasePath);

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(10, "job", "shop") { ExpiresInHours = hours }));

        Assert.Equal(LedgerErrorCode.InvalidArgument, ex.Code);
        Assert.Equal("expires_in_hours", ex.Field);
        Assert.Equal($"expires_in_hours must be a whole number from 1 to 8760 (got {hours})", ex.Message);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
    }

    [Fact]
    public async Task Expired_IsCancelledWhenTheOwnerIsNextTouched()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(300, "job-9", "shop") { ExpiresInHours = 2 });
        t.Events.Clear();

        t.Clock.Advance(TimeSpan.FromHours(2) + TimeSpan.FromSeconds(1));
        var balance = await t.Ledger.GetBalanceAsync("alice");
        var escrow = await t.Ledger.GetEscrowAsync("alice", created.Escrow.Id);

        Assert.Equal((1000L, 0L), (balance.Total, balance.HeldInEscrow));
        Assert.Equal(EscrowStatus.Cancelled, escrow.Status);
        Assert.Equal(TestLedger.Start.AddHours(2).AddSeconds(1), escrow.CancelledAt);
        var ev = Assert.Single(t.Events);
        Assert.Equal(LedgerEventNames.EscrowCancelled, ev.Name);
        Assert.Equal("expired", ev.Data["reason"]);
        Assert.Equal(created.Escrow.Id, ev.Data["escrow_id"]);
        Assert.Equal(300L, ev.Data["returned"]);
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Expired_IsCancelledBeforeTheOwnersNextWrite_SoItsTokensCanBeSpent()
    {
        using var t = new TestLedger();
        await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(1000, "job", "shop") { ExpiresInHours = 1 });

        t.Clock.Advance(TimeSpan.FromHours(2));
        var spend = await t.Ledger.SpendAsync("alice", 600, "render");

        Assert.Equal(400, spend.BalanceAfter);
        Assert.Equal("expired", t.Events.Single(e => e.Name == LedgerEventNames.EscrowCancelled).Data["reason"]);
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Expired_IsCancelledWhenTheEscrowItselfIsRead()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(300, "job", "shop") { ExpiresInHours = 1 });

        t.Clock.Advance(TimeSpan.FromHours(3));
        var escrow = await t.Ledger.GetEscrowAsync("alice", created.Escrow.Id);

        Assert.Equal(EscrowStatus.Cancelled, escrow.Status);
        Assert.Single(t.Events, e => e.Name == LedgerEventNames.EscrowCancelled);
    }

    [Fact]
    public async Task Expired_NotYetReached_StaysHeld()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(300, "job", "shop") { ExpiresInHours = 2 });

        t.Clock.Advance(TimeSpan.FromHours(2) - TimeSpan.FromSeconds(1));
        var balance = await t.Ledger.GetBalanceAsync("alice");
        var escrow = await t.Ledger.GetEscrowAsync("alice", created.Escrow.Id);

        Assert.Equal(EscrowStatus.Held, escrow.Status);
        Assert.Equal(300, balance.HeldInEscrow);
        Assert.DoesNotContain(t.Events, e => e.Name == LedgerEventNames.EscrowCancelled);
    }

    [Fact]
    public async Task Expired_ReleaseAttempt_FailsAsNotHeld_AndFabIsNotPaid()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(300, "job", "shop") { ExpiresInHours = 1 });

        t.Clock.Advance(TimeSpan.FromHours(2));
        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ReleaseEscrowAsync("alice", created.Escrow.Id));
        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal(LedgerErrorCode.EscrowNotHeld, ex.Code);
        Assert.Equal($"Escrow {created.Escrow.Id} is not held (status: cancelled)", ex.Message);
        Assert.Equal(1000, balance.Total);
        Assert.Equal(0, LedgerChecks.Balance(t.DatabasePath, "fab:shop"));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Expired_ReleaseAttempt_TouchesTheEscrow_SoItsCancellationIsKept()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(300, "job", "shop") { ExpiresInHours = 1 });
        t.Events.Clear();

        t.Clock.Advance(TimeSpan.FromHours(2));
        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ReleaseEscrowAsync("alice", created.Escrow.Id));

        // The failure reports the escrow as cancelled; the ledger must say so too, before anything else touches it.
        Assert.Equal($"Escrow {created.Escrow.Id} is not held (status: cancelled)", ex.Message);
        Assert.Equal("cancelled", RawRows.Text(t.DatabasePath, "SELECT status FROM escrows WHERE id = $id", ("$id", created.Escrow.Id)));
        Assert.Equal(0, LedgerChecks.Balance(t.DatabasePath, "escrow:" + created.Escrow.Id));
        var ev = Assert.Single(t.Events);
        Assert.Equal(LedgerEventNames.EscrowCancelled, ev.Name);
        Assert.Equal("expired", ev.Data["reason"]);
    }

    [Fact]
    public async Task Expired_EscrowFromAnEndedMonth_AllowancePartExpires()
    {
        using var t = new TestLedger(start: new DateTimeOffset(2026, 3, 31, 12, 0, 0, TimeSpan.Zero));
        await t.Ledger.GrantAsync("alice", 100);
        await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(1050, "job", "shop") { ExpiresInHours = 24 }); // 1000 + 50

        t.Clock.SetUtcNow(new DateTimeOffset(2026, 4, 1, 13, 0, 0, TimeSpan.Zero));
        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal((1000L, 100L, 0L), (balance.Allowance, balance.Purchased, balance.HeldInEscrow));
        Assert.Equal(1000, LedgerChecks.Balance(t.DatabasePath, AccountNames.SystemExpired));
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Released_CannotBeCancelledOrReleasedAgain()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(100, "job", "shop"));
        await t.Ledger.ReleaseEscrowAsync("alice", created.Escrow.Id);
        var before = LedgerChecks.Counts(t.DatabasePath);

        var cancel = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.CancelEscrowAsync("alice", created.Escrow.Id));
        var release = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ReleaseEscrowAsync("alice", created.Escrow.Id));

        Assert.Equal(LedgerErrorCode.EscrowNotHeld, cancel.Code);
        Assert.Equal("escrow_id", cancel.Field);
        Assert.Equal($"Escrow {created.Escrow.Id} is not held (status: released)", cancel.Message);
        Assert.Equal(cancel.Message, release.Message);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
        Assert.Equal(100, LedgerChecks.Balance(t.DatabasePath, "fab:shop"));
        Assert.Equal(900, (await t.Ledger.GetBalanceAsync("alice")).Total);
    }

    [Fact]
    public async Task Cancelled_CannotBeReleasedOrCancelledAgain()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(100, "job", "shop"));
        await t.Ledger.CancelEscrowAsync("alice", created.Escrow.Id);
        var before = LedgerChecks.Counts(t.DatabasePath);

        var release = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ReleaseEscrowAsync("alice", created.Escrow.Id));
        var cancel = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.CancelEscrowAsync("alice", created.Escrow.Id));

        Assert.Equal($"Escrow {created.Escrow.Id} is not held (status: cancelled)", release.Message);
        Assert.Equal(LedgerErrorCode.EscrowNotHeld, cancel.Code);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
        Assert.Equal(1000, (await t.Ledger.GetBalanceAsync("alice")).Total);
        Assert.False(LedgerChecks.Exists(t.DatabasePath, "fab:shop"));
    }

    [Fact]
    public async Task OtherUsersEscrow_BehavesAsNotFound()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(100, "job", "shop"));
        await t.Ledger.GetBalanceAsync("mallory");
        var before = LedgerChecks.Counts(t.DatabasePath);

        var calls = new Func<Task>[]
        {
            () => t.Ledger.GetEscrowAsync("mallory", created.Escrow.Id),
            () => t.Ledger.ReleaseEscrowAsync("mallory", created.Escrow.Id),
            () => t.Ledger.CancelEscrowAsync("mallory", created.Escrow.Id),
        };
        foreach (var call in calls)
        {
            var ex = await Assert.ThrowsAsync<LedgerException>(call);
            Assert.Equal(LedgerErrorCode.NotFound, ex.Code);
            Assert.Equal("escrow_id", ex.Field);
            Assert.Equal($"Escrow {created.Escrow.Id} not found", ex.Message);
        }

        Assert.Empty(await t.Ledger.ListEscrowsAsync("mallory"));
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
        Assert.Equal(EscrowStatus.Held, (await t.Ledger.GetEscrowAsync("alice", created.Escrow.Id)).Status);
    }

    [Fact]
    public async Task UnknownEscrow_IsNotFound()
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.CancelEscrowAsync("alice", "esc_424242"));

        Assert.Equal(LedgerErrorCode.NotFound, ex.Code);
        Assert.Equal("Escrow esc_424242 not found", ex.Message);
    }

    [Fact]
    public async Task ListEscrows_FiltersByStatus()
    {
        using var t = new TestLedger();
        var a = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(10, "a", "shop"));
        var b = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(20, "b", "shop"));
        var c = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(30, "c", "shop"));
        await t.Ledger.ReleaseEscrowAsync("alice", a.Escrow.Id);
        await t.Ledger.CancelEscrowAsync("alice", b.Escrow.Id);

        Assert.Equal([c.Escrow.Id], (await t.Ledger.ListEscrowsAsync("alice", EscrowStatus.Held)).Select(e => e.Id));
        Assert.Equal([a.Escrow.Id], (await t.Ledger.ListEscrowsAsync("alice", EscrowStatus.Released)).Select(e => e.Id));
        Assert.Equal([b.Escrow.Id], (await t.Ledger.ListEscrowsAsync("alice", EscrowStatus.Cancelled)).Select(e => e.Id));
        Assert.Equal(3, (await t.Ledger.ListEscrowsAsync("alice")).Count);
    }

    [Fact]
    public async Task History_ShowsHoldReleaseAndCancelTypes()
    {
        using var t = new TestLedger();
        var a = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(10, "a", "shop"));
        var b = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(20, "b", "shop"));
        await t.Ledger.ReleaseEscrowAsync("alice", a.Escrow.Id);
        await t.Ledger.CancelEscrowAsync("alice", b.Escrow.Id);

        var history = await t.Ledger.GetHistoryAsync("alice", new HistoryQuery { Kind = TransactionKind.Escrow });

        Assert.Equal(
            [
                (TransactionType.EscrowCancel, 20L, 990L),
                (TransactionType.EscrowRelease, 10L, 970L),
                (TransactionType.EscrowHold, 20L, 970L),
                (TransactionType.EscrowHold, 10L, 990L),
            ],
            history.Transactions.Select(x => (x.Type, x.Amount, x.BalanceAfter)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(200)]
    public async Task JobId_OfAllowedLength_IsAccepted(int length)
    {
        using var t = new TestLedger();

        var created = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(10, new string('j', length), "shop"));

        Assert.Equal(length, created.Escrow.JobId.Length);
    }

    [Fact]
    public async Task JobId_WithSpacesAndUnicode_IsAccepted()
    {
        using var t = new TestLedger();

        var created = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(10, "Bracket – Größe M / #42", "shop"));

        Assert.Equal("Bracket – Größe M / #42", (await t.Ledger.GetEscrowAsync("alice", created.Escrow.Id)).JobId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("job\n1")]
    [InlineData("job\t1")]
    [InlineData("job\u00071")]
    [InlineData("job\u0085")]
    public async Task JobId_EmptyOrWithControlCharacters_IsRejectedAndWritesNothing(string jobId)
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        var before = LedgerChecks.Counts(t.DatabasePath);

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(10, jobId, "shop")));

        Assert.Equal(LedgerErrorCode.InvalidArgument, ex.Code);
        Assert.Equal("job_id", ex.Field);
        Assert.StartsWith("job_id must be 1-200 characters", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
    }

    [Fact]
    public async Task JobId_Of201Characters_IsRejected()
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(10, new string('j', 201), "shop")));

        Assert.Equal("job_id", ex.Field);
    }

    [Theory]
    [InlineData("")]
    [InlineData("shop 1")]
    [InlineData("shop/1")]
    public async Task FabId_NotAnAccountId_IsRejectedNamingTheField(string fabId)
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(10, "job", fabId)));

        Assert.Equal(LedgerErrorCode.InvalidArgument, ex.Code);
        Assert.Equal("fab_id", ex.Field);
        Assert.Equal($"fab_id must be 1-64 characters of A-Z, a-z, 0-9, '.', '_', ':', '@', '-' (got \"{fabId}\")", ex.Message);
    }
}
