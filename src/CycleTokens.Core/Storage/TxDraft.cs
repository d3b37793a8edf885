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

    /// <summary>
    /// The account's balance when no posting moves it and the caller read it under this write lock (a settle paid from
    /// its hold), so the row need not read it back; ignored when a posting moves it.
    /// </summary>
    internal long? Balance { get; init; }
}
