namespace CycleTokens.Core.Accounts;

/// <summary>A subscription tier: sets the monthly allowance and the creator royalty.</summary>
public enum Tier
{
    /// <summary>1,000 tokens a month, free, 70% royalty.</summary>
    Free,

    /// <summary>10,000 tokens a month, €49, 80% royalty.</summary>
    Pro,

    /// <summary>100,000 tokens a month, €299, 90% royalty.</summary>
    Enterprise,
}
