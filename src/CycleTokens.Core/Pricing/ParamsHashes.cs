using System.Collections.Concurrent;
using System.Text.Json;
using CycleTokens.Core.Validation;

namespace CycleTokens.Core.Pricing;

/// <summary>
/// The hash of an operation's <c>params</c> (SHA-256 of their canonical JSON), remembered by the text the caller sent:
/// an agent repeats the same few params, and the canonical form is a pure function of that text, so a repeat skips
/// sorting, writing and hashing. Small params only, and a bounded number of them.
/// </summary>
internal sealed class ParamsHashes
{
    private const int Capacity = 1024;
    private const int MaxRememberedLength = 512;

    private readonly ConcurrentDictionary<string, string> _hashes = new(StringComparer.Ordinal);

    /// <summary>The params' hash; <c>{}</c>'s when they are absent or null.</summary>
    /// <exception cref="LedgerException">The params are not a valid JSON object (checked as by <see cref="Check.JsonObject"/>).</exception>
    internal string Of(JsonElement? parameters)
    {
        if (parameters is not { ValueKind: JsonValueKind.Object } given)
        {
            return Compute(parameters);
        }

        var text = given.GetRawText();
        if (_hashes.TryGetValue(text, out var hash))
        {
            return hash;
        }

        // Computed (and checked) before it is remembered: params that fail the checks are never kept.
        hash = Compute(parameters);
        if (text.Length <= MaxRememberedLength)
        {
            if (_hashes.Count >= Capacity)
            {
                _hashes.Clear();
            }

            _hashes[text] = hash;
        }

        return hash;
    }

    private static string Compute(JsonElement? parameters) => CanonicalJson.Hash(Check.JsonObject(parameters, "params") ?? "{}");
}
