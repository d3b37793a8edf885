using CycleTokens.Core.Storage;

namespace CycleTokens.Core.Tests.Storage;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Empty_ReportsZero()
    {
        var histogram = new LatencyHistogram();

        Assert.Equal(0, histogram.Count);
        Assert.Equal(0, histogram.Percentile(0.99));
        Assert.Equal(0, histogram.Max);
    }

    [Fact]
    public void SmallValues_AreExact()
    {
        var histogram = new LatencyHistogram();
        for (var v = 1; v <= 50; v++)
        {
            histogram.Record(v);
        }

        Assert.Equal(50, histogram.Count);
        Assert.Equal(25, histogram.Percentile(0.5));
        Assert.Equal(50, histogram.Percentile(0.99));
        Assert.Equal(50, histogram.Max);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(1_234)]
    [InlineData(98_765)]
    [InlineData(30_000_000)]
    [InlineData(long.MaxValue / 3)]
    public void LargeValues_AreWithinASixteenth(long value)
    {
        var histogram = new LatencyHistogram();
        histogram.Record(1);
        histogram.Record(value);
        histogram.Record(value);

        var p99 = histogram.Percentile(0.99);
        Assert.InRange(p99, value, value + (value / 16) + 1);
        Assert.Equal(1, histogram.Percentile(0.2));
        Assert.Equal(value, histogram.Max);
    }

    [Fact]
    public void Percentiles_FollowTheDistribution_AndNegativeValuesCountAsZero()
    {
        var histogram = new LatencyHistogram();
        for (var i = 0; i < 990; i++)
        {
            histogram.Record(200);
        }

        for (var i = 0; i < 10; i++)
        {
            histogram.Record(50_000);
        }

        histogram.Record(-5);

        Assert.InRange(histogram.Percentile(0.5), 200, 212);
        Assert.InRange(histogram.Percentile(0.999), 50_000, 53_125);
        Assert.Equal(0, histogram.Percentile(0.0001));
    }
}
