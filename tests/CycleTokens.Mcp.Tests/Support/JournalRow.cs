namespace CycleTokens.Mcp.Tests.Support;

/// <summary>One row of the journal as stored.</summary>
internal sealed record JournalRow(
    long Seq,
    string Id,
    long CreatedMs,
    string Kind,
    string Type,
    string Account,
    string? Operation,
    long Amount,
    string? Counterparty,
    long BalanceAfter,
    int MonthKey,
    string? IdempotencyKey,
    string? Ref,
    string? Details);
