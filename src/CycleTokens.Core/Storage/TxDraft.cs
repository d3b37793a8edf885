namespace CycleTokens.Core.Storage;

/// <summary>A transaction about to be appended: what it is, whose it is and its postings (which sum to zero).</summary>
internal sealed record TxDraft(
    string Kind,
    string Type,
    string Account,
    string? Operation,
    long Amount,
    string? Counterparty,
    IReadOnlyList<Posting> Postings)
{
    internal string? Metadata { get; init; }

    internal string? IdempotencyKey { get; init; }

    internal string? Ref { get; init; }

    internal string? Details { get; init; }
}
