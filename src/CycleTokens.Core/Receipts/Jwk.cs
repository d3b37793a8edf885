namespace CycleTokens.Core.Receipts;

/// <summary>One receipt-verifying public key as an RFC 7517 JWK: an EC P-256 key for <c>ES256</c> signatures.</summary>
/// <param name="Kid">The key id receipts name in their header; the RFC 7638 thumbprint for keys this ledger made.</param>
/// <param name="X">The public point's x coordinate, base64url (32 bytes).</param>
/// <param name="Y">The public point's y coordinate, base64url (32 bytes).</param>
public sealed record Jwk(string Kid, string X, string Y)
{
    /// <summary>The key type (<c>kty</c>) of every receipt key: <c>EC</c>.</summary>
    public const string KeyType = "EC";

    /// <summary>The curve (<c>crv</c>) of every receipt key: <c>P-256</c>.</summary>
    public const string Curve = "P-256";

    /// <summary>The algorithm (<c>alg</c>) every receipt key is used with: <c>ES256</c>.</summary>
    public const string Algorithm = "ES256";

    /// <summary>What every receipt key is for (<c>use</c>): <c>sig</c>.</summary>
    public const string Use = "sig";
}
