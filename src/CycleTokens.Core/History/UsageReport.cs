namespace CycleTokens.Core.History;

/// <summary>Tokens used by charges and spends in a period, net of refunds, in total and per operation.</summary>
/// <param name="Since">Start of the period (inclusive).</param>
/// <param name="Until">End of the period (exclusive).</param>
/// <param name="Used">Tokens used.</param>
/// <param name="ByOperation">Per operation, most tokens first.</param>
public sealed record UsageReport(DateTimeOffset Since, DateTimeOffset Until, long Used, IReadOnlyList<OperationUsage> ByOperation)
{
    /// <summary>Used in euros, two decimals.</summary>
    public string UsedEur => Pricing.Money.TokensToEur(Used);
}
