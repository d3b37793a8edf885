using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using CycleTokens.Core.Keys;

namespace CycleTokens.Mcp.Http;

/// <summary>
/// The API keys this process has found valid in the ledger, by a hash of their secret, for the time the ledger's
/// database is unavailable: a client whose key was valid when last checked is then let through
/// <see cref="Hosting.ServerMode.Unverified"/> and told, through MCP (a tool error), to retry, rather than failing at
/// the HTTP layer; a key never seen here gets a 503.
/// </summary>
/// <remarks>
/// This never lets an unchecked key read or write the ledger: an unverified request may only do what needs no ledger
/// (initialize, list tools and prompts), and every handler that reaches the ledger refuses it with the retry
/// message first. A key found refused (revoked, expired, unknown) is forgotten at once; one past its expiry is never
/// recalled. Bounded, so a flood of distinct valid keys cannot grow it without limit.
/// </remarks>
internal sealed class RecentKeys
{
    /// <summary>The most keys remembered; past it, new ones are not (they get the 503 during an outage).</summary>
    internal const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, ApiKey> _keys = new(StringComparer.Ordinal);

    /// <summary>Remembers a key the ledger has just accepted for <paramref name="secret"/>.</summary>
    public void Remember(string secret, ApiKey key)
    {
        if (_keys.Count < Capacity || _keys.ContainsKey(Hash(secret)))
        {
            _keys[Hash(secret)] = key;
        }
    }

    /// <summary>Forgets the key of <paramref name="secret"/>: the ledger has just refused it.</summary>
    public void Forget(string secret) => _keys.TryRemove(Hash(secret), out _);

    /// <summary>The key last accepted for <paramref name="secret"/>, unless it has expired by <paramref name="now"/>.</summary>
    public ApiKey? Recall(string secret, DateTimeOffset now) =>
        _keys.TryGetValue(Hash(secret), out var key) && !(key.ExpiresAt <= now) ? key : null;

    // Not the secret itself in memory; the ledger's own hash is internal to the engine, and any stable digest will do.
    private static string Hash(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
