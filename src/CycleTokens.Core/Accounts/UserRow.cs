namespace CycleTokens.Core.Accounts;

/// <summary>A user's stored state.</summary>
internal sealed record UserRow(string Id, long Balance, long Allowance, long Purchased, Tier Tier, int MonthKey, long HistoryStart);
