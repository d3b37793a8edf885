namespace CycleTokens.Core.Storage;

/// <summary>
/// The statements on the outcomes of keyed calls. Every call runs inside the engine's open transaction and is
/// synchronous for that reason; the rules (fingerprint match, replay, retention) stay in the engine.
/// </summary>
internal interface IIdempotencyStore
{
    /// <summary>The stored fingerprint and outcome JSON of the user's key, or null if none is stored.</summary>
    (string Fingerprint, string Outcome)? Find(string account, string key);

    /// <summary>Stores the outcome of a keyed call.</summary>
    void Store(string account, string key, string fingerprint, string outcome, long nowMs);

    /// <summary>Forgets the user's keys stored before <paramref name="beforeMs"/>.</summary>
    void Prune(string account, long beforeMs);
}
