namespace CycleTokens.Core.History;

/// <summary>Filters and paging for a user's history. Every filter is optional.</summary>
public sealed record HistoryQuery
{
    /// <summary>Only this direction.</summary>
    public TransactionType? Type { get; init; }

    /// <summary>Only this kind.</summary>
    public TransactionKind? Kind { get; init; }

    /// <summary>Only this operation name.</summary>
    public string? Operation { get; init; }

    /// <summary>Only transactions at or after this instant.</summary>
    public DateTimeOffset? After { get; init; }

    /// <summary>Only transactions before this instant.</summary>
    public DateTimeOffset? Before { get; init; }

    /// <summary>Only transactions of at least this many tokens.</summary>
    public long? MinAmount { get; init; }

    /// <summary>Page size, 1-1,000.</summary>
    public int Limit { get; init; } = 100;

    /// <summary>The <see cref="HistoryPage.NextCursor"/> of the previous page, or null for the newest.</summary>
    public string? Cursor { get; init; }
}
