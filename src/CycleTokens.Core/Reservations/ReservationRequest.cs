using System.Text.Json;

namespace CycleTokens.Core.Reservations;

/// <summary>A request to price an operation and hold its total until it is settled or voided.</summary>
/// <param name="Operation">The operation name (1-100 of a-z 0-9 _ . -), priced exactly as a charge would be now.</param>
public sealed record ReservationRequest(string Operation)
{
    /// <summary>Seconds a reservation may be held before it expires by itself.</summary>
    public const int DefaultExpiresInSeconds = 15 * 60;

    /// <summary>The operation's parameters (a JSON object, at most 4 KiB canonical, 16 levels); keys the cache discount.</summary>
    public JsonElement? Params { get; init; }

    /// <summary>Operations reserved, 1-1,000,000; 10+ and 100+ earn batch discounts.</summary>
    public int Quantity { get; init; } = 1;

    /// <summary>The creator a settle credits with the royalty, or null (the platform earns all).</summary>
    public string? CreatorId { get; init; }

    /// <summary>Seconds until it expires, 30-86,400; null for <see cref="DefaultExpiresInSeconds"/>.</summary>
    public int? ExpiresInSeconds { get; init; }

    /// <summary>Caller metadata (a JSON object, at most 4 KiB), stored with the hold and, unless the settle gives its own, the charge.</summary>
    public JsonElement? Metadata { get; init; }

    /// <summary>Makes retries safe: the same key and arguments return the first outcome.</summary>
    public string? IdempotencyKey { get; init; }
}
