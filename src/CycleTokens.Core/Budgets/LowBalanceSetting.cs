namespace CycleTokens.Core.Budgets;

/// <summary>An account's low-balance threshold: below it, a debit raises the <c>low-balance</c> event (once per crossing).</summary>
/// <param name="Account">The user account.</param>
/// <param name="Threshold">The threshold in force, in tokens.</param>
/// <param name="Custom">True when an operator set it; false when it is the tier's default.</param>
/// <param name="TierDefault">The default for the account's tier: 10% of its monthly allowance, rounded down.</param>
public sealed record LowBalanceSetting(string Account, long Threshold, bool Custom, long TierDefault);
