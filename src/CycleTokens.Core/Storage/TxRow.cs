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
    string? Details)
{
    /// <summary>The row's chain hash once it is known (set by the journal on append); not an input of the hash.</summary>
    internal byte[]? Hash { get; init; }

    /// <summary>The postings stored with the row (set by the journal on append), for what is derived from them (receipts).</summary>
    internal IReadOnlyList<Posting>? Postings { get; init; }
}
