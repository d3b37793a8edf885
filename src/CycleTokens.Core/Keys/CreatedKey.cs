namespace CycleTokens.Core.Keys;

/// <summary>A new key and its secret.</summary>
/// <remarks>
/// This is the only place the secret ever exists outside the caller: the ledger stores its hash, and no read returns
/// it again. Show it once and drop it; a lost secret is replaced by creating a new key (and revoking the old one).
/// </remarks>
/// <param name="Secret">The bearer secret: <c>ctk_</c> and 43 base64url characters (256 random bits).</param>
/// <param name="Key">The stored key.</param>
public sealed record CreatedKey(string Secret, ApiKey Key);
