using CycleTokens.Core.History;

namespace CycleTokens.Core.Storage;

/// <summary>
/// The reads of the journal behind history, exports, usage and refunds; administrative rows (key changes) are no part
/// of an account's token history and never appear. Synchronous, as every call runs inside the engine's open transaction.
/// </summary>
internal interface IHistoryStore
{
    /// <summary>
    /// Up to <paramref name="count"/> of the user's rows after <paramref name="historyStart"/> and before
    /// <paramref name="beforeSeq"/> that match the query's filters, newest first, each with its position.
    /// </summary>
    List<(long Seq, TransactionRecord Record)> Page(string account, long historyStart, HistoryQuery query, long beforeSeq, int count);

    /// <summary>All of the user's rows after <paramref name="historyStart"/>, oldest first.</summary>
    List<TransactionRecord> All(string account, long historyStart);

    /// <summary>
    /// The user's charges and spends after <paramref name="historyStart"/>, written in [sinceMs, untilMs) and not
    /// refunded, counted and summed per operation, most tokens first (then by operation).
    /// </summary>
    List<(string Operation, long Count, long Tokens)> UsageByOperation(string account, long historyStart, long sinceMs, long untilMs);

    /// <summary>The position of the user's latest row, or null if there is none.</summary>
    long? LatestPosition(string account);

    /// <summary>The transaction with this id, of any kind, or null.</summary>
    TxSummary? Find(string transactionId);

    /// <summary>The postings of the transaction at <paramref name="seq"/>, in their order.</summary>
    List<Posting> Postings(long seq);
}
