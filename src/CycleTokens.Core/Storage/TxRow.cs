namespace CycleTokens.Core.Storage;

/// <summary>A journal row as stored; the input of the chain hash.</summary>
internal sealed record TxRow(
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
    long MonthKey,
    string? Metadata,
    string? IdempotencyKey,
    string? Ref,
    string? Details);
