using CycleTokens.Core.Accounts;

namespace CycleTokens.Core.Storage;

/// <summary>
/// The statements on user rows of the accounts table. Every call runs inside the engine's open transaction and is
/// synchronous for that reason; the rules (first use, month reset once per month, what is due) stay in the engine.
/// </summary>
internal interface IUserStore
{
    /// <summary>The user's row, or null if the user does not exist yet.</summary>
    UserRow? Load(string account);

    /// <summary>
    /// What starting a call needs, read together: the user's row (null if it does not exist), whether a held escrow or
    /// held reservation of theirs expired at or before <paramref name="nowMs"/>, when <paramref name="cache"/> is given
    /// the discount cache's last charge of that operation and params, and when <paramref name="reservation"/> is given
    /// that reservation (whoever's it is; null when it does not exist).
    /// </summary>
    UserState LoadState(string account, long nowMs, CacheKey? cache, string? reservation);

    /// <summary>Stores a new user: tier FREE, no tokens yet, in <paramref name="monthKey"/>.</summary>
    void Insert(string account, int monthKey, long nowMs);

    /// <summary>Moves the user to <paramref name="monthKey"/>.</summary>
    void SetMonth(string account, int monthKey);

    /// <summary>Sets the user's tier.</summary>
    void SetTier(string account, Tier tier);

    /// <summary>Resets a cleared user: tier FREE, <paramref name="monthKey"/>, history after journal row <paramref name="historyStart"/>.</summary>
    void Clear(string account, int monthKey, long historyStart);
}
