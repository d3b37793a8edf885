namespace CycleTokens.Core.History;

/// <summary>One transaction as the user sees it in history and exports.</summary>
/// <param name="Id">The transaction id.</param>
/// <param name="Timestamp">When it was committed (server clock, UTC).</param>
/// <param name="Type">Its direction for the user.</param>
/// <param name="Kind">What caused it.</param>
/// <param name="Operation">The operation, grant source or null.</param>
/// <param name="Amount">The tokens moved, always positive; <paramref name="Type"/> gives the direction.</param>
/// <param name="Counterparty">The other side: platform, a creator, a fab, an escrow or a system account.</param>
/// <param name="BalanceAfter">The user's balance after it.</param>
/// <param name="Metadata">The caller's metadata as canonical JSON, or null.</param>
/// <param name="Ref">The escrow, purchase or refunded transaction it concerns, or null.</param>
public sealed record TransactionRecord(
    string Id,
    DateTimeOffset Timestamp,
    TransactionType Type,
    TransactionKind Kind,
    string? Operation,
    long Amount,
    string? Counterparty,
    long BalanceAfter,
    string? Metadata,
    string? Ref);
