using CycleTokens.Core.Pricing;

namespace CycleTokens.Core.Tests.Pricing;

public sealed class MoneyTests
{
    [Theory]
    [InlineData(0L, "0.00")]
    [InlineData(1L, "0.01")]
    [InlineData(7L, "0.07")]
    [InlineData(10L, "0.10")]
    [InlineData(99L, "0.99")]
    [InlineData(100L, "1.00")]
    [InlineData(1000L, "10.00")]
    [InlineData(123456L, "1234.56")]
    [InlineData(1_000_000_000_000L, "10000000000.00")]
    public void TokensToEur_HundredTokensAreOneEuro_WithTwoDecimals(long tokens, string expected)
    {
        Assert.Equal(expected, Money.TokensToEur(tokens));
    }

    [Theory]
    [InlineData(-5L, "-0.05")]
    [InlineData(-150L, "-1.50")]
    [InlineData(-100000L, "-1000.00")]
    public void TokensToEur_Negative_KeepsSignAndTwoDecimals(long tokens, string expected)
    {
        Assert.Equal(expected, Money.TokensToEur(tokens));
    }

    [Fact]
    public void TokensToEur_ExtremeValues_AreExactWithoutOverflow()
    {
        Assert.Equal("92233720368547758.07", Money.TokensToEur(long.MaxValue));
        Assert.Equal("-92233720368547758.08", Money.TokensToEur(long.MinValue));
    }

    [Fact]
    public void PriceQuote_TotalEur_IsTheTotalInEuros()
    {
        var quote = new PriceQuote("model.export.step", 10, 10, false, 0, 10, 25, 75, PricedBy.Catalogue, 1000);

        Assert.Equal("0.75", quote.TotalEur);
    }
}
