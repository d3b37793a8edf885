namespace CycleTokens.Mcp.Tests.Support;

/// <summary>An escrow as stored, with the parts it drew and the month it drew them in.</summary>
internal sealed record StoredEscrow(string Id, string Account, long Amount, long AllowancePart, long PurchasedPart, int MonthKey, string Status, long? ExpiresMs);
