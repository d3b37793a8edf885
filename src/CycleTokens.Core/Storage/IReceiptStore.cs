namespace CycleTokens.Core.Storage;

/// <summary>
/// The reads behind checking a receipt against the ledger: one journal row as stored, and the hash it chains from.
/// Synchronous, as every call runs inside the engine's open read transaction.
/// </summary>
internal interface IReceiptStore
{
    /// <summary>The row with this id, with its stored hash and its postings in order; null when there is none.</summary>
    StoredTx? Find(string transactionId);

    /// <summary>The stored hash of the row before <paramref name="seq"/>, or <see cref="ChainHash.Genesis"/> for the first.</summary>
    byte[] PreviousHash(long seq);
}
