namespace CycleTokens.Core.Storage;

/// <summary>
/// The statements on the discount cache: when each user last paid for an operation with the same params. Every call
/// runs inside the engine's open transaction and is synchronous for that reason; the window and the discount stay in the engine.
/// </summary>
internal interface IDiscountCacheStore
{
    /// <summary>When the user last paid for this operation and params, in Unix milliseconds, or null if never.</summary>
    long? LastCharge(string account, CacheKey key);

    /// <summary>Records a charge of this operation and params at <paramref name="nowMs"/>.</summary>
    void RecordCharge(string account, CacheKey key, long nowMs);

    /// <summary>How many of the user's entries were charged after <paramref name="sinceMs"/>.</summary>
    long CountSince(string account, long sinceMs);

    /// <summary>Forgets all of the user's entries.</summary>
    void Clear(string account);
}
