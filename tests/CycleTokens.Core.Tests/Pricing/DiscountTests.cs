using CycleTokens.Core.Charges;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Pricing;

public sealed class DiscountTests
{
    private static ChargeRequest Charge(string operation, string? json = null, int quantity = 1) =>
        new(operation) { Params = json is null ? null : TestLedger.Json(json), Quantity = quantity };

    [Fact]
    public async Task Charge_SameParamsWithin24Hours_PaysTenPercentOfThePrice()
    {
        using var t = new TestLedger();

        var first = await t.Ledger.ChargeAsync("alice", Charge("model.export.step", """{"part":"p1"}"""));
        t.Clock.Advance(TimeSpan.FromHours(1));
        var second = await t.Ledger.ChargeAsync("alice", Charge("model.export.step", """{"part":"p1"}"""));

        Assert.False(first.Cached);
        Assert.Equal(10, first.Charged);
        Assert.True(second.Cached);
        Assert.Equal(10, second.BasePrice);
        Assert.Equal(1, second.UnitPrice);
        Assert.Equal(1, second.Charged);
        Assert.Equal(989, second.BalanceAfter);
    }

    [Theory]
    [InlineData("model.download.full_ip", 1000, 100)]
    [InlineData("cam.cnc_toolpath", 75, 8)]
    [InlineData("ai.design_review", 15, 2)]
    [InlineData("model.export.stl", 2, 1)]
    [InlineData("model.export.json", 1, 1)]
    [InlineData("collab.comment", 0, 0)]
    public async Task Charge_Cached_UnitPriceIsCeilOfTenPercent(string operation, long price, long cachedPrice)
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 1000);

        var first = await t.Ledger.ChargeAsync("alice", Charge(operation, """{"n":1}"""));
        var second = await t.Ledger.ChargeAsync("alice", Charge(operation, """{"n":1}"""));

        Assert.Equal(price, first.Charged);
        Assert.True(second.Cached);
        Assert.Equal(cachedPrice, second.UnitPrice);
        Assert.Equal(cachedPrice, second.Charged);
        Assert.Equal(2000 - price - cachedPrice, second.BalanceAfter);
    }

    [Fact]
    public async Task Cache_KeyOrderDoesNotMatter()
    {
        using var t = new TestLedger();

        await t.Ledger.ChargeAsync("alice", Charge("model.export.step", """{"a":1,"b":2}"""));
        var second = await t.Ledger.ChargeAsync("alice", Charge("model.export.step", """{"b":2,"a":1}"""));

        Assert.True(second.Cached);
        Assert.Equal(1, second.Charged);
    }

    [Fact]
    public async Task Cache_NestedKeyOrderAndWhitespaceDoNotMatter()
    {
        using var t = new TestLedger();

        await t.Ledger.ChargeAsync("alice", Charge("ai.design_review", """{"x":{"b":[1,{"d":4,"c":3}],"a":"s"},"y":true}"""));
        var second = await t.Ledger.ChargeAsync("alice", Charge("ai.design_review", """
            {
              "y" : true,
              "x" : { "a" : "s", "b" : [ 1, { "c" : 3, "d" : 4 } ] }
            }
            """));

        Assert.True(second.Cached);
        Assert.Equal(2, second.Charged);
    }

    [Theory]
    [InlineData("""{"a":1,"b":2}""", """{"b":2,"a":1}""")]
    [InlineData("""{"a":"A"}""", """{"a":"\u0041"}""")]
    [InlineData("""{"a":[1,2],"b":{}}""", """{ "b" : { } , "a" : [ 1 , 2 ] }""")]
    [InlineData("""{"é":1}""", """{"\u00e9":1}""")]
    public async Task Cache_EquivalentParams_AreCached(string first, string second)
    {
        using var t = new TestLedger();

        await t.Ledger.ChargeAsync("alice", Charge("model.export.step", first));
        var repeat = await t.Ledger.ChargeAsync("alice", Charge("model.export.step", second));

        Assert.True(repeat.Cached);
        Assert.Equal(1, repeat.Charged);
    }

    [Fact]
    public async Task Params_WithARepeatedKey_IsRejected()
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ChargeAsync("alice", Charge("model.export.step", """{"a":1,"a":2}""")));

        Assert.Equal("params", ex.Field);
        Assert.Equal("params must not repeat a key in one object (got \"a\")", ex.Message);
    }

    [Theory]
    [InlineData("""{"a":1}""", """{"a":2}""")]
    [InlineData("""{"a":1}""", """{"a":"1"}""")]
    [InlineData("""{"a":1}""", """{"a":1,"b":null}""")]
    [InlineData("""{"a":[1,2]}""", """{"a":[2,1]}""")]
    [InlineData("""{"a":1}""", """{"A":1}""")]
    public async Task Cache_DifferentParams_AreNotCached(string first, string second)
    {
        using var t = new TestLedger();

        await t.Ledger.ChargeAsync("alice", Charge("model.export.step", first));
        var repeat = await t.Ledger.ChargeAsync("alice", Charge("model.export.step", second));

        Assert.False(repeat.Cached);
        Assert.Equal(10, repeat.Charged);
    }

    [Fact]
    public async Task Cache_DifferentOperationWithSameParams_IsNotCached()
    {
        using var t = new TestLedger();

        await t.Ledger.ChargeAsync("alice", Charge("model.export.step", """{"a":1}"""));
        var other = await t.Ledger.ChargeAsync("alice", Charge("analysis.stress", """{"a":1}"""));

        Assert.False(other.Cached);
        Assert.Equal(30, other.Charged);
    }

    [Fact]
    public async Task Cache_OtherUserWithSameOperationAndParams_IsNotCached()
    {
        using var t = new TestLedger();

        await t.Ledger.ChargeAsync("alice", Charge("model.export.step", """{"a":1}"""));
        var bob = await t.Ledger.ChargeAsync("bob", Charge("model.export.step", """{"a":1}"""));

        Assert.False(bob.Cached);
        Assert.Equal(10, bob.Charged);
    }

    [Fact]
    public async Task Cache_AbsentParamsAndEmptyObject_AreTheSameKey()
    {
        using var t = new TestLedger();

        await t.Ledger.ChargeAsync("alice", Charge("model.export.step"));
        var second = await t.Ledger.ChargeAsync("alice", Charge("model.export.step", "{}"));

        Assert.True(second.Cached);
    }

    [Fact]
    public async Task Cache_JustBefore24Hours_StillDiscounts()
    {
        using var t = new TestLedger();

        await t.Ledger.ChargeAsync("alice", Charge("model.export.step", """{"a":1}"""));
        t.Clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromMilliseconds(1));
        var second = await t.Ledger.ChargeAsync("alice", Charge("model.export.step", """{"a":1}"""));

        Assert.True(second.Cached);
        Assert.Equal(1, second.Charged);
    }

    [Theory]
    [InlineData(24.0)]
    [InlineData(25.0)]
    [InlineData(24.0 * 7)]
    public async Task Cache_After24Hours_Expires(double hours)
    {
        using var t = new TestLedger();

        await t.Ledger.ChargeAsync("alice", Charge("model.export.step", """{"a":1}"""));
        t.Clock.Advance(TimeSpan.FromHours(hours));
        var second = await t.Ledger.ChargeAsync("alice", Charge("model.export.step", """{"a":1}"""));

        Assert.False(second.Cached);
        Assert.Equal(10, second.Charged);
    }

    [Fact]
    public async Task Cache_EachSuccessfulChargeRenewsTheWindow()
    {
        using var t = new TestLedger();

        await t.Ledger.ChargeAsync("alice", Charge("model.export.step", """{"a":1}"""));
        t.Clock.Advance(TimeSpan.FromHours(20));
        var second = await t.Ledger.ChargeAsync("alice", Charge("model.export.step", """{"a":1}"""));
        t.Clock.Advance(TimeSpan.FromHours(20));
        var third = await t.Ledger.ChargeAsync("alice", Charge("model.export.step", """{"a":1}"""));

        Assert.True(second.Cached);
        Assert.True(third.Cached);
        Assert.Equal(1, third.Charged);
    }

    [Fact]
    public async Task Cache_FailedCharge_DoesNotStartTheWindow()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync("alice", 995, "setup");

        await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ChargeAsync("alice", Charge("model.export.step", """{"a":1}""")));
        await t.Ledger.GrantAsync("alice", 100);
        var charge = await t.Ledger.ChargeAsync("alice", Charge("model.export.step", """{"a":1}"""));

        Assert.False(charge.Cached);
        Assert.Equal(10, charge.Charged);
    }

    [Theory]
    [InlineData("model.export.step", 1, 0, 10)]
    [InlineData("model.export.step", 9, 0, 90)]
    [InlineData("model.export.step", 10, 25, 75)]
    [InlineData("model.export.step", 99, 25, 743)]
    [InlineData("model.export.step", 100, 50, 500)]
    [InlineData("model.export.stl", 10, 25, 15)]
    [InlineData("model.export.json", 10, 25, 8)]
    [InlineData("model.export.json", 11, 25, 9)]
    [InlineData("model.export.json", 3, 0, 3)]
    [InlineData("model.export.json", 101, 50, 51)]
    [InlineData("cam.cnc_toolpath", 13, 25, 732)]
    [InlineData("model.download.full_ip", 1000, 50, 500000)]
    [InlineData("collab.share", 100, 50, 0)]
    public async Task Charge_Batch_TotalIsCeilOfUnitTimesQuantityAfterDiscount(string operation, int quantity, int pct, long total)
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 1_000_000);

        var charge = await t.Ledger.ChargeAsync("alice", Charge(operation, quantity: quantity));

        Assert.Equal(quantity, charge.Quantity);
        Assert.Equal(pct, charge.BatchDiscountPct);
        Assert.Equal(total, charge.Charged);
        Assert.Equal(1_001_000 - total, charge.BalanceAfter);
    }

    [Fact]
    public async Task Charge_CachedAndBatched_AppliesBatchToTheCachedUnitPrice()
    {
        using var t = new TestLedger();

        await t.Ledger.ChargeAsync("alice", Charge("model.export.step", """{"a":1}"""));
        var batch = await t.Ledger.ChargeAsync("alice", Charge("model.export.step", """{"a":1}""", quantity: 10));

        Assert.True(batch.Cached);
        Assert.Equal(1, batch.UnitPrice);
        Assert.Equal(25, batch.BatchDiscountPct);
        Assert.Equal(8, batch.Charged); // ceil(1 * 10 * 75 / 100)
    }

    [Fact]
    public async Task Estimate_MaximumQuantity_IsAccepted()
    {
        using var t = new TestLedger();

        var quote = await t.Ledger.EstimateAsync("alice", "model.export.step", quantity: 1_000_000);

        Assert.Equal(50, quote.BatchDiscountPct);
        Assert.Equal(5_000_000, quote.TotalPrice);
        Assert.False(quote.Affordable);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1_000_001)]
    [InlineData(int.MaxValue)]
    public async Task Charge_QuantityOutOfRange_IsRejectedAndWritesNothing(int quantity)
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        var before = LedgerChecks.Counts(t.DatabasePath);

        var charge = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ChargeAsync("alice", Charge("model.export.step", quantity: quantity)));
        var estimate = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.EstimateAsync("alice", "model.export.step", quantity: quantity));

        Assert.Equal(LedgerErrorCode.InvalidArgument, charge.Code);
        Assert.Equal("quantity", charge.Field);
        Assert.Equal($"quantity must be a whole number from 1 to 1000000 (got {quantity})", charge.Message);
        Assert.Equal(charge.Message, estimate.Message);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
    }

    [Fact]
    public async Task Params_Exactly4KiBCanonical_IsAccepted()
    {
        using var t = new TestLedger();

        var charge = await t.Ledger.ChargeAsync("alice", Charge("model.export.step", ParamsOfCanonicalBytes(4096)));

        Assert.Equal(10, charge.Charged);
    }

    [Fact]
    public async Task Params_Over4KiBCanonical_IsRejectedAndWritesNothing()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        var before = LedgerChecks.Counts(t.DatabasePath);

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ChargeAsync("alice", Charge("model.export.step", ParamsOfCanonicalBytes(4097))));

        Assert.Equal(LedgerErrorCode.InvalidArgument, ex.Code);
        Assert.Equal("params", ex.Field);
        Assert.Equal("params must be at most 4096 bytes as canonical JSON (got 4097 bytes)", ex.Message);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
    }

    [Fact]
    public async Task Params_SizeIsMeasuredAsCanonicalJson_NotAsWritten()
    {
        using var t = new TestLedger();
        var canonical = ParamsOfCanonicalBytes(4000);
        var padded = canonical.Replace("{", "{" + new string(' ', 500), StringComparison.Ordinal);

        var charge = await t.Ledger.ChargeAsync("alice", Charge("model.export.step", padded));

        Assert.True(padded.Length > 4096);
        Assert.Equal(10, charge.Charged);
    }

    [Fact]
    public async Task Params_Nested16Levels_IsAccepted()
    {
        using var t = new TestLedger();

        var charge = await t.Ledger.ChargeAsync("alice", Charge("model.export.step", Nested(16)));

        Assert.Equal(10, charge.Charged);
    }

    [Theory]
    [InlineData(17)]
    [InlineData(40)]
    public async Task Params_NestedDeeperThan16Levels_IsRejectedAndWritesNothing(int depth)
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        var before = LedgerChecks.Counts(t.DatabasePath);

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ChargeAsync("alice", Charge("model.export.step", Nested(depth))));

        Assert.Equal("params", ex.Field);
        Assert.Equal("params must be nested at most 16 levels (got more than 16)", ex.Message);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
    }

    [Fact]
    public async Task Params_ArraysCountAsNestingLevels()
    {
        using var t = new TestLedger();
        var seventeen = "{\"a\":" + string.Concat(Enumerable.Repeat("[", 16)) + "1" + string.Concat(Enumerable.Repeat("]", 16)) + "}";

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ChargeAsync("alice", Charge("model.export.step", seventeen)));

        Assert.Equal("params", ex.Field);
    }

    [Theory]
    [InlineData("[1,2]", "array")]
    [InlineData("\"text\"", "string")]
    [InlineData("42", "number")]
    [InlineData("true", "true")]
    public async Task Params_NotAnObject_IsRejected(string json, string kind)
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ChargeAsync("alice", Charge("model.export.step", json)));

        Assert.Equal("params", ex.Field);
        Assert.Equal($"params must be a JSON object (got {kind})", ex.Message);
    }

    /// <summary>{"a":"xxx..."} whose canonical UTF-8 is exactly <paramref name="bytes"/> long.</summary>
    private static string ParamsOfCanonicalBytes(int bytes)
    {
        var json = "{\"a\":\"" + new string('x', bytes - 8) + "\"}";
        Assert.Equal(bytes, System.Text.Encoding.UTF8.GetByteCount(json));
        return json;
    }

    /// <summary>An object nested <paramref name="depth"/> levels deep (the outer object is level 1).</summary>
    private static string Nested(int depth) =>
        string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + string.Concat(Enumerable.Repeat("}", depth));
}
