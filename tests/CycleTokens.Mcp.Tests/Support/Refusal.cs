namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// A call that got no outcome (the ledger unavailable, or its host gone) and was retried: where, why, when it was
/// sent and when the refusal came (<see cref="System.Diagnostics.Stopwatch"/> timestamps).
/// </summary>
internal sealed record Refusal(string Host, string Key, string Reason, long Sent, long At);
