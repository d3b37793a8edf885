using CycleTokens.Core.Keys;

namespace CycleTokens.Core.Storage;

/// <summary>
/// The statements behind API keys. Every call runs inside the engine's open transaction and is synchronous for
/// that reason; the rules (validation, who may change what, when a use is recorded, the journal rows) stay in the engine.
/// </summary>
internal interface IApiKeyStore
{
    /// <summary>Stores a new key with the hash of its secret (never the secret).</summary>
    void Insert(ApiKey key, byte[] secretHash);

    /// <summary>The key with this id, or null.</summary>
    ApiKey? Find(string id);

    /// <summary>The key whose secret has this hash, or null.</summary>
    ApiKey? FindByHash(byte[] secretHash);

    /// <summary>The keys of one account, or of every account when null, oldest first (then by id).</summary>
    List<ApiKey> List(string? account);

    /// <summary>Revokes a key at <paramref name="nowMs"/>; a revoked key keeps its first revocation time.</summary>
    void Revoke(string id, long nowMs);

    /// <summary>Writes a key's name, expiry and budget.</summary>
    void Update(ApiKey key);

    /// <summary>
    /// Records a use at <paramref name="nowMs"/> unless the key is revoked or its last use is later than
    /// <paramref name="staleMs"/>, so processes racing on one key record the minute once.
    /// </summary>
    void RecordUse(string id, long nowMs, long staleMs);
}
