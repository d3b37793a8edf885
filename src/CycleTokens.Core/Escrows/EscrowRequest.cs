using System.Text.Json;

namespace CycleTokens.Core.Escrows;

/// <summary>A request to hold tokens for a job.</summary>
/// <param name="Amount">Tokens to hold, 1 to 1,000,000,000,000.</param>
/// <param name="JobId">The job, 1-200 characters without control characters.</param>
/// <param name="FabId">The fab shop, an account id.</param>
public sealed record EscrowRequest(long Amount, string JobId, string FabId)
{
    /// <summary>Caller metadata (a JSON object, at most 4 KiB).</summary>
    public JsonElement? Metadata { get; init; }

    /// <summary>Cancel automatically after this many hours (1-8,760), or never when null.</summary>
    public int? ExpiresInHours { get; init; }

    /// <summary>Makes retries safe.</summary>
    public string? IdempotencyKey { get; init; }
}
