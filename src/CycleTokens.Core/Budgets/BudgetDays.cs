namespace CycleTokens.Core.Budgets;

/// <summary>The UTC calendar days daily limits count in: whole days since the Unix epoch.</summary>
internal static class BudgetDays
{
    private const long DayMs = 86_400_000;

    /// <summary>The day of an instant in Unix milliseconds (instants before 1970 do not occur on a ledger's clock).</summary>
    internal static long Of(long unixMs) => unixMs / DayMs;

    /// <summary>The start of a day.</summary>
    internal static DateTimeOffset Start(long day) => DateTimeOffset.FromUnixTimeMilliseconds(day * DayMs);
}
