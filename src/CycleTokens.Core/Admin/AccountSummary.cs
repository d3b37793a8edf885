using CycleTokens.Core.Accounts;

namespace CycleTokens.Core.Admin;

/// <summary>One account in a listing.</summary>
/// <param name="Account">Its id.</param>
/// <param name="Kind">What it is.</param>
/// <param name="Tier">The tier of a user, else null.</param>
/// <param name="Balance">Its stored balance (negative for issuing system accounts).</param>
public sealed record AccountSummary(string Account, AccountKind Kind, Tier? Tier, long Balance);
