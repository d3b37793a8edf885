namespace CycleTokens.Core.Keys;

/// <summary>The outcome of revoking or updating a key.</summary>
/// <param name="Key">The key after the call.</param>
/// <param name="Changed">False when there was nothing to do (already revoked, or the values were already those); nothing was written then.</param>
public sealed record KeyChangeResult(ApiKey Key, bool Changed);
