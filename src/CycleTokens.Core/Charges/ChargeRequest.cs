using System.Text.Json;

namespace CycleTokens.Core.Charges;

/// <summary>A charge for a catalogue operation.</summary>
/// <param name="Operation">The operation name (1-100 of a-z 0-9 _ . -).</param>
public sealed record ChargeRequest(string Operation)
{
    /// <summary>The operation's parameters (a JSON object, at most 4 KiB canonical, 16 levels); keys the cache discount.</summary>
    public JsonElement? Params { get; init; }

    /// <summary>Operations covered by this charge, 1-1,000,000; 10+ and 100+ earn batch discounts.</summary>
    public int Quantity { get; init; } = 1;

    /// <summary>The creator who earns the royalty, or null (the platform earns all).</summary>
    public string? CreatorId { get; init; }

    /// <summary>Caller metadata (a JSON object, at most 4 KiB), stored with the transaction.</summary>
    public JsonElement? Metadata { get; init; }

    /// <summary>Makes retries safe: the same key and arguments return the first outcome.</summary>
    public string? IdempotencyKey { get; init; }
}
