namespace CycleTokens.Core.Storage;

/// <summary>
/// The reads behind verification and backups: the whole journal in order, the stored balances and the backend's own
/// check of its files. Synchronous, as every call runs inside the engine's open read transaction; what counts as a
/// problem is decided by the engine.
/// </summary>
internal interface IVerificationStore
{
    /// <summary>How many journal rows there are.</summary>
    long CountTransactions();

    /// <summary>Every journal row with its stored hash and postings, in journal order, read as it is enumerated.</summary>
    IEnumerable<StoredTx> Journal();

    /// <summary>How many postings belong to no journal row.</summary>
    long OrphanPostings();

    /// <summary>Every account's stored balances, by id, read as it is enumerated.</summary>
    IEnumerable<StoredAccount> Accounts();

    /// <summary>What the backend's own integrity check finds, at most 100 findings; empty when the store is sound.</summary>
    List<string> IntegrityProblems();
}
