using System.Text.Json;
using CycleTokens.Core.Pricing;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Pricing;

public sealed class ParamsHashesTests
{
    private static string Direct(string? json) =>
        CanonicalJson.Hash(json is null ? "{}" : CycleTokens.Core.Validation.Check.JsonObject(TestLedger.Json(json), "params")!);

    [Theory]
    [InlineData("""{"part":1,"units":"mm"}""")]
    [InlineData("""{ "units" : "mm", "part" : 1 }""")]
    [InlineData("""{"a":{"z":[1,2,{"y":null,"x":true}]},"é":"\u00e9"}""")]
    [InlineData("{}")]
    public void Of_SameAsComputingIt_TheFirstTimeAndWhenRemembered(string json)
    {
        var hashes = new ParamsHashes();

        var first = hashes.Of(TestLedger.Json(json));
        var again = hashes.Of(TestLedger.Json(json));

        Assert.Equal(Direct(json), first);
        Assert.Equal(first, again);
    }

    [Fact]
    public void Of_KeyOrderAndSpacing_GiveOneHash_AndAbsentParamsAreEmptyObject()
    {
        var hashes = new ParamsHashes();

        Assert.Equal(hashes.Of(TestLedger.Json("""{"part":1,"units":"mm"}""")), hashes.Of(TestLedger.Json("""{ "units":"mm","part":1 }""")));
        Assert.Equal(Direct(null), hashes.Of(null));
        Assert.Equal(Direct(null), hashes.Of(TestLedger.Json("null")));
        Assert.NotEqual(hashes.Of(TestLedger.Json("""{"part":1}""")), hashes.Of(TestLedger.Json("""{"part":2}""")));
    }

    [Theory]
    [InlineData("""{"a":1,"a":2}""")]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    public void Of_InvalidParams_FailEveryTime_AndAreNeverRemembered(string json)
    {
        var hashes = new ParamsHashes();

        var first = Assert.Throws<LedgerException>(() => hashes.Of(TestLedger.Json(json)));
        var second = Assert.Throws<LedgerException>(() => hashes.Of(TestLedger.Json(json)));

        Assert.Contains("params", first.Message, StringComparison.Ordinal);
        Assert.Equal(first.Message, second.Message);
    }

    [Fact]
    public void Of_ManyDifferentParams_StayCorrectPastTheBound()
    {
        var hashes = new ParamsHashes();

        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < 3000; i++)
            {
                var json = $$"""{"part":{{i}}}""";
                Assert.Equal(Direct(json), hashes.Of(JsonDocument.Parse(json).RootElement));
            }
        }
    }
}
