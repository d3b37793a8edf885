namespace CycleTokens.Core.Pricing;

/// <summary>Euro display of token amounts: 100 tokens = €1.00. Display only; never used in arithmetic.</summary>
public static class Money
{
    /// <summary>Formats a token amount as euros with two decimals, e.g. 7 → "0.07", -150 → "-1.50".</summary>
    public static string TokensToEur(long tokens)
    {
        // Integer division keeps the figure exact; unsigned magnitude also covers long.MinValue.
        var magnitude = tokens < 0 ? (ulong)(-(tokens + 1)) + 1 : (ulong)tokens;
        var sign = tokens < 0 ? "-" : string.Empty;
        return $"{sign}{magnitude / 100}.{magnitude % 100:00}";
    }
}
