namespace CycleTokens.Core.Escrows;

/// <summary>Tokens held for a manufacturing job.</summary>
/// <param name="Id">The escrow id.</param>
/// <param name="Account">The user who holds it.</param>
/// <param name="Amount">Tokens held.</param>
/// <param name="JobId">The caller's job id.</param>
/// <param name="FabId">The fab shop paid on release (account <c>fab:&lt;FabId&gt;</c>).</param>
/// <param name="Status">Held, released or cancelled.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="ReleasedAt">When it was released, or null.</param>
/// <param name="CancelledAt">When it was cancelled, or null.</param>
/// <param name="ExpiresAt">When a held escrow is cancelled automatically, or null.</param>
/// <param name="Metadata">The caller's metadata as canonical JSON, or null.</param>
public sealed record Escrow(
    string Id,
    string Account,
    long Amount,
    string JobId,
    string FabId,
    EscrowStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ReleasedAt,
    DateTimeOffset? CancelledAt,
    DateTimeOffset? ExpiresAt,
    string? Metadata);
