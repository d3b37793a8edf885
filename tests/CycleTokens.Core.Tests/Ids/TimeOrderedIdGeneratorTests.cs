using System.Globalization;
using CycleTokens.Core.Ids;
using Microsoft.Extensions.Time.Testing;

namespace CycleTokens.Core.Tests.Ids;

/// <summary>The production id generator: the prefix, 48 bits of milliseconds, 48 random bits; ids sort by time.</summary>
public sealed class TimeOrderedIdGeneratorTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 9, 30, 0, TimeSpan.Zero);

    [Fact]
    public void AnId_IsThePrefix_TheMillisecondsInTwelveHexDigits_ThenTwelveRandomOnes()
    {
        var ids = new TimeOrderedIdGenerator(new FakeTimeProvider(Start));

        var id = ids.NewId("res");

        Assert.Matches("^res_[0-9a-f]{24}$", id);
        Assert.Equal(Start.ToUnixTimeMilliseconds(), long.Parse(id[4..16], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Ids_SortInTheOrderTheClockMadeThem_AndOneMillisecondsIdsDiffer()
    {
        var clock = new FakeTimeProvider(Start);
        var ids = new TimeOrderedIdGenerator(clock);
        var made = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            made.Add(ids.NewId("tx"));
            clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        var sameMillisecond = Enumerable.Range(0, 10_000).Select(_ => ids.NewId("tx")).ToList();

        Assert.Equal(made, made.Order(StringComparer.Ordinal));
        Assert.Equal(sameMillisecond.Count, sameMillisecond.Distinct(StringComparer.Ordinal).Count());
        Assert.All(sameMillisecond, id => Assert.True(string.CompareOrdinal(id, made[^1]) > 0, $"{id} sorts before {made[^1]}, made earlier"));
    }

    [Fact]
    public void AClockBefore1970_CountsAsZero()
    {
        var id = new TimeOrderedIdGenerator(new FakeTimeProvider(new DateTimeOffset(1969, 12, 31, 0, 0, 0, TimeSpan.Zero))).NewId("esc");

        Assert.StartsWith("esc_000000000000", id, StringComparison.Ordinal);
    }
}
