using CycleTokens.Core.Accounts;

namespace CycleTokens.Core.Admin;

/// <summary>The outcome of setting a tier.</summary>
/// <param name="Account">The user.</param>
/// <param name="OldTier">The tier before.</param>
/// <param name="NewTier">The tier now, with its terms.</param>
/// <param name="Balance">The user's balance after.</param>
/// <param name="Changed">False when the tier was already set (nothing moved).</param>
public sealed record TierChange(string Account, Tier OldTier, TierInfo NewTier, long Balance, bool Changed);
