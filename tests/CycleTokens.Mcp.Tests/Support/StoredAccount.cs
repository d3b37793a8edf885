namespace CycleTokens.Mcp.Tests.Support;

/// <summary>An account's stored balance and, for users, its parts and month.</summary>
internal sealed record StoredAccount(string Id, string Kind, long Balance, long Allowance, long Purchased, int? MonthKey);
