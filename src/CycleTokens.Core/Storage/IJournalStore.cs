namespace CycleTokens.Core.Storage;

/// <summary>
/// Appends journal rows inside the engine's write transaction: applies the postings to the stored balances, writes the
/// row chained to the last one (<see cref="ChainHash"/>), its postings, and counts charges and spends in usage.
/// </summary>
internal interface IJournalStore
{
    /// <summary>Appends one transaction and returns its row (id, seq, balance after, hash).</summary>
    /// <exception cref="InvalidOperationException">The postings do not sum to zero (a bug, never a business outcome).</exception>
    TxRow Append(TxDraft draft, long nowMs, int monthKey);
}
