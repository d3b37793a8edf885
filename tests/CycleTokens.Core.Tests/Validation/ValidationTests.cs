using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Validation;

public sealed class ValidationTests
{
    private const string OperationRule = "must be 1-100 characters of a-z, 0-9, '_', '.', '-'";

    public static TheoryData<long> BadAmounts => new() { 0L, -5L, -1L, 1_000_000_000_001L, long.MaxValue, long.MinValue };

    [Theory]
    [MemberData(nameof(BadAmounts))]
    public async Task Spend_AmountOutOfRange_IsRejectedNamingFieldAndValue_AndWritesNothing(long amount)
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        var before = LedgerChecks.Counts(t.DatabasePath);

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync("alice", amount, "render"));

        AssertAmountRejected(ex, amount);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
    }

    [Theory]
    [MemberData(nameof(BadAmounts))]
    public async Task Grant_AmountOutOfRange_IsRejectedNamingFieldAndValue_AndWritesNothing(long amount)
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        var before = LedgerChecks.Counts(t.DatabasePath);

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.GrantAsync("alice", amount));

        AssertAmountRejected(ex, amount);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
    }

    [Theory]
    [MemberData(nameof(BadAmounts))]
    public async Task Escrow_AmountOutOfRange_IsRejectedNamingFieldAndValue_AndWritesNothing(long amount)
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        var before = LedgerChecks.Counts(t.DatabasePath);

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.CreateEscrowAsync("alice", new EscrowRequest(amount, "job", "shop")));

        AssertAmountRejected(ex, amount);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
    }

    [Fact]
    public async Task Amount_NegativeFive_MessageIsExact()
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync("alice", -5, "render"));

        Assert.Equal("amount must be a whole number from 1 to 1000000000000 (got -5)", ex.Message);
        Assert.Equal(0, LedgerChecks.Counts(t.DatabasePath).Accounts);
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(1_000_000_000_000L)]
    public async Task Grant_AmountAtTheBounds_IsAccepted(long amount)
    {
        using var t = new TestLedger();

        var grant = await t.Ledger.GrantAsync("alice", amount);

        Assert.Equal(1000 + amount, grant.BalanceAfter);
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("model.export.step")]
    [InlineData("a-b_c.9")]
    [InlineData("0")]
    [InlineData("...")]
    public async Task OperationName_OfTheAllowedCharacters_IsAccepted(string operation)
    {
        using var t = new TestLedger();

        var spend = await t.Ledger.SpendAsync("alice", 1, operation);

        Assert.Equal(operation, spend.Operation);
    }

    [Fact]
    public async Task OperationName_Of100Characters_IsAccepted()
    {
        using var t = new TestLedger();
        var operation = new string('o', 100);

        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest(operation));

        Assert.Equal(operation, charge.Operation);
        Assert.Equal(5, charge.Charged);
    }

    [Theory]
    [InlineData("", "\"\"")]
    [InlineData("Model.Export", "\"Model.Export\"")]
    [InlineData("model export", "\"model export\"")]
    [InlineData("model/export", "\"model/export\"")]
    [InlineData("model:export", "\"model:export\"")]
    [InlineData("modèle", "\"modèle\"")]
    [InlineData("op\n", "\"op\\u000a\"")]
    [InlineData(null, "nothing")]
    public async Task OperationName_OutsideTheRule_IsRejectedForChargeEstimateAndSpend(string? operation, string shown)
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        var before = LedgerChecks.Counts(t.DatabasePath);

        var calls = new Func<Task>[]
        {
            () => t.Ledger.ChargeAsync("alice", new ChargeRequest(operation!)),
            () => t.Ledger.EstimateAsync("alice", operation!),
            () => t.Ledger.SpendAsync("alice", 5, operation!),
        };
        foreach (var call in calls)
        {
            var ex = await Assert.ThrowsAsync<LedgerException>(call);
            Assert.Equal(LedgerErrorCode.InvalidArgument, ex.Code);
            Assert.Equal("operation", ex.Field);
            Assert.Equal($"operation {OperationRule} (got {shown})", ex.Message);
        }

        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
    }

    [Fact]
    public async Task OperationName_Of101Characters_IsRejected()
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ChargeAsync("alice", new ChargeRequest(new string('o', 101))));

        Assert.Equal("operation", ex.Field);
        Assert.Equal(0, LedgerChecks.Counts(t.DatabasePath).Transactions);
    }

    [Theory]
    [InlineData("")]
    [InlineData("bob smith")]
    [InlineData("bob/1")]
    public async Task CreatorId_NotAnAccountId_IsRejectedNamingTheField(string creatorId)
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        var before = LedgerChecks.Counts(t.DatabasePath);

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { CreatorId = creatorId }));

        Assert.Equal(LedgerErrorCode.InvalidArgument, ex.Code);
        Assert.Equal("creator_id", ex.Field);
        Assert.Equal($"creator_id must be 1-64 characters of A-Z, a-z, 0-9, '.', '_', ':', '@', '-' (got \"{creatorId}\")", ex.Message);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
    }

    [Fact]
    public async Task CreatorId_Of65Characters_IsRejected()
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { CreatorId = new string('c', 65) }));

        Assert.Equal("creator_id", ex.Field);
    }

    [Fact]
    public async Task Metadata_IsStoredAsCanonicalJson()
    {
        using var t = new TestLedger();

        var spend = await t.Ledger.SpendAsync("alice", 3, "render", TestLedger.Json("""{ "z": 1, "a": { "y": [1, 2], "b": "é" } }"""));

        Assert.Equal(
            """{"a":{"b":"é","y":[1,2]},"z":1}""",
            RawRows.Text(t.DatabasePath, "SELECT metadata FROM transactions WHERE id = $id", ("$id", spend.TransactionId)));
    }

    [Fact]
    public async Task Metadata_NotAnObject_IsRejectedNamingTheField()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        var before = LedgerChecks.Counts(t.DatabasePath);

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.SpendAsync("alice", 3, "render", TestLedger.Json("[1]")));

        Assert.Equal("metadata", ex.Field);
        Assert.Equal("metadata must be a JSON object (got array)", ex.Message);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
    }

    [Fact]
    public async Task Metadata_Over4KiB_IsRejectedNamingTheField()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        var before = LedgerChecks.Counts(t.DatabasePath);
        var big = TestLedger.Json("{\"note\":\"" + new string('n', 4090) + "\"}");

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step") { Metadata = big }));

        Assert.Equal("metadata", ex.Field);
        Assert.Equal("metadata must be at most 4096 bytes as canonical JSON (got 4101 bytes)", ex.Message);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
    }

    private static void AssertAmountRejected(LedgerException ex, long amount)
    {
        Assert.Equal(LedgerErrorCode.InvalidArgument, ex.Code);
        Assert.Equal("amount", ex.Field);
        Assert.False(ex.Replayed);
        Assert.Equal($"amount must be a whole number from 1 to 1000000000000 (got {amount})", ex.Message);
    }
}
