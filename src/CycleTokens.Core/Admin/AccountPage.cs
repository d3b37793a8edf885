namespace CycleTokens.Core.Admin;

/// <summary>One page of accounts, ordered by id.</summary>
/// <param name="Accounts">The accounts of this page.</param>
/// <param name="NextCursor">Pass it to get the next page; null when there is none.</param>
public sealed record AccountPage(IReadOnlyList<AccountSummary> Accounts, string? NextCursor);
