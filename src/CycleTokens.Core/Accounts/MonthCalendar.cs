namespace CycleTokens.Core.Accounts;

/// <summary>Calendar months in the configured time zone, numbered as year*12 + month-1.</summary>
internal sealed class MonthCalendar(TimeZoneInfo zone)
{
    internal int KeyOf(DateTimeOffset instant)
    {
        var local = TimeZoneInfo.ConvertTime(instant, zone);
        return (local.Year * 12) + local.Month - 1;
    }

    internal DateTimeOffset StartOf(int key)
    {
        var local = new DateTime(key / 12, (key % 12) + 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            // Midnight fell in a daylight-saving gap: the month starts at the first valid local minute.
            local = local.AddMinutes(1);
        }

        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
    }

    /// <summary>The calendar months [from, to) that exactly make up [since, until), if it is made of whole months.</summary>
    internal bool TryWholeMonths(DateTimeOffset since, DateTimeOffset until, out int from, out int to)
    {
        from = KeyOf(since);
        to = KeyOf(until);
        return from < to && StartOf(from) == since && StartOf(to) == until;
    }
}
