using CycleTokens.Core.Accounts;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.History;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Accounts;

/// <summary>Reads told to refuse a missing user (the operator's reads): nothing is created, due work still happens.</summary>
public sealed class MissingUserTests
{
    public static TheoryData<string> Reads() =>
        ["balance", "history", "usage", "csv", "export", "list_escrows", "get_escrow", "estimate", "list_purchases"];

    [Theory]
    [MemberData(nameof(Reads))]
    public async Task RefusingRead_OfAMissingUser_FailsNotFound_AndWritesNothing(string read)
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 5);
        var before = LedgerChecks.Counts(t.DatabasePath);
        t.Events.Clear();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => Read(t.Ledger, read, "bob", MissingUser.Refuse));

        Assert.Equal(LedgerErrorCode.NotFound, ex.Code);
        Assert.Equal("account", ex.Field);
        Assert.Equal("account 'bob' does not exist", ex.Message);
        Assert.False(LedgerChecks.Exists(t.DatabasePath, "bob"));
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
        Assert.Empty(t.Events);
    }

    [Theory]
    [MemberData(nameof(Reads))]
    public async Task RefusingRead_OfAnExistingUser_Answers(string read)
    {
        using var t = new TestLedger();
        var escrow = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(10, "job", "shop"));

        await Read(t.Ledger, read, "alice", MissingUser.Refuse, escrow.Escrow.Id);
    }

    [Fact]
    public async Task CreatingRead_IsStillTheDefault_AndCreatesTheUser()
    {
        using var t = new TestLedger();

        var balance = await t.Ledger.GetBalanceAsync("bob", MissingUser.Create);

        Assert.Equal(1000, balance.Total);
        Assert.True(LedgerChecks.Exists(t.DatabasePath, "bob"));
    }

    [Fact]
    public async Task RefusingRead_OfAnExistingUser_StillPerformsTheDueMonthReset()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync("alice", 300, "x");

        t.Clock.SetUtcNow(new DateTimeOffset(2026, 4, 2, 0, 0, 0, TimeSpan.Zero));
        var balance = await t.Ledger.GetBalanceAsync("alice", MissingUser.Refuse);

        Assert.Equal(1000, balance.Allowance);
        Assert.Equal(1, LedgerChecks.CountKind(t.DatabasePath, "alice", "expiry"));
        Assert.Equal(2, LedgerChecks.CountKind(t.DatabasePath, "alice", "allowance"));
    }

    [Fact]
    public async Task RefusingRead_OfAnExistingUser_StillExpiresADueEscrow()
    {
        using var t = new TestLedger();
        var escrow = await t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(100, "job", "shop") { ExpiresInHours = 1 });

        t.Clock.Advance(TimeSpan.FromHours(2));
        var list = await t.Ledger.ListEscrowsAsync("alice", null, MissingUser.Refuse);

        Assert.Equal(EscrowStatus.Cancelled, Assert.Single(list).Status);
        Assert.Equal(escrow.Escrow.Id, list[0].Id);
        Assert.Equal(1000, LedgerChecks.Balance(t.DatabasePath, "alice"));
    }

    private static Task Read(TokenLedger ledger, string read, string account, MissingUser missing, string escrowId = "esc_missing") => read switch
    {
        "balance" => ledger.GetBalanceAsync(account, missing),
        "history" => ledger.GetHistoryAsync(account, new HistoryQuery(), missing),
        "usage" => ledger.GetUsageAsync(account, null, null, missing),
        "csv" => ledger.ExportCsvAsync(account, missing),
        "export" => ledger.ExportAccountAsync(account, missing),
        "list_escrows" => ledger.ListEscrowsAsync(account, null, missing),
        "get_escrow" => ledger.GetEscrowAsync(account, escrowId, missing),
        "estimate" => ledger.EstimateAsync(account, "model.export.step", null, 1, missing),
        "list_purchases" => ledger.ListPurchasesAsync(account),
        _ => throw new ArgumentOutOfRangeException(nameof(read)),
    };
}
