namespace CycleTokens.Core.History;

/// <summary>One page of history, newest first.</summary>
/// <param name="Transactions">The transactions of this page.</param>
/// <param name="NextCursor">Pass it to get the next (older) page; null when there is none.</param>
public sealed record HistoryPage(IReadOnlyList<TransactionRecord> Transactions, string? NextCursor);
