namespace CycleTokens.Core.Accounts;

/// <summary>A tier's terms as the price list defines them.</summary>
/// <param name="Tier">The tier.</param>
/// <param name="Name">Its wire name: FREE, PRO or ENTERPRISE.</param>
/// <param name="TokensPerMonth">The monthly allowance in tokens.</param>
/// <param name="PriceEurPerMonth">The monthly price in euros, two decimals.</param>
/// <param name="CreatorRoyaltyPct">The share of a charge credited to the creator, in percent.</param>
public sealed record TierInfo(Tier Tier, string Name, long TokensPerMonth, string PriceEurPerMonth, int CreatorRoyaltyPct);
