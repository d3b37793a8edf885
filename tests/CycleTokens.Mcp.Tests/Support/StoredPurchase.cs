namespace CycleTokens.Mcp.Tests.Support;

/// <summary>A purchase as stored.</summary>
internal sealed record StoredPurchase(string Id, string Account, long Tokens, string Status, string? TxId);
