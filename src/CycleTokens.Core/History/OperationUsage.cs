namespace CycleTokens.Core.History;

/// <summary>Usage of one operation in a period.</summary>
/// <param name="Operation">The operation.</param>
/// <param name="Count">Charges and spends of it, not counting refunded ones.</param>
/// <param name="TotalTokens">Tokens they used.</param>
/// <param name="AveragePerOp">TotalTokens / Count, rounded half up.</param>
public sealed record OperationUsage(string Operation, long Count, long TotalTokens, long AveragePerOp)
{
    /// <summary>TotalTokens in euros, two decimals.</summary>
    public string CostEur => Pricing.Money.TokensToEur(TotalTokens);
}
