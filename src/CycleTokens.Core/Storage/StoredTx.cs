namespace CycleTokens.Core.Storage;

/// <summary>A journal row as read back for verification: the row, the hash stored with it and its postings in order.</summary>
/// <param name="Row">The row, as hashed.</param>
/// <param name="Hash">The chain hash stored with it.</param>
/// <param name="Postings">Its postings, in their order.</param>
internal sealed record StoredTx(TxRow Row, byte[] Hash, List<Posting> Postings);
