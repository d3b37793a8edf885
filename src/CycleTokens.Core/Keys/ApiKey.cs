namespace CycleTokens.Core.Keys;

/// <summary>An API key as stored: everything but its secret, which the ledger never keeps (only its SHA-256 hash).</summary>
/// <param name="Id">The key id (<c>key_…</c>): safe to log and show; it is not a credential.</param>
/// <param name="Account">The user account the key acts for; for an operator key, the account used when a call names none.</param>
/// <param name="Role">Agent or operator.</param>
/// <param name="Name">The operator's label, or null.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="ExpiresAt">When it stops authenticating, or null for never.</param>
/// <param name="RevokedAt">When it was revoked (final), or null.</param>
/// <param name="LastUsedAt">Its last successful authentication, to within a minute, or null if never used.</param>
/// <param name="Budget">Its spend limits.</param>
public sealed record ApiKey(
    string Id,
    string Account,
    KeyRole Role,
    string? Name,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt,
    DateTimeOffset? LastUsedAt,
    KeyBudget Budget);
