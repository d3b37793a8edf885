namespace CycleTokens.Core.Idempotency;

/// <summary>A business failure kept as the outcome of a keyed call.</summary>
internal sealed record StoredError(LedgerErrorCode Code, string? Field, string Message);
