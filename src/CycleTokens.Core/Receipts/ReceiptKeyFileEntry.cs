namespace CycleTokens.Core.Receipts;

/// <summary>One P-256 key in the key file, coordinates base64url as in a JWK.</summary>
/// <param name="Kid">The RFC 7638 thumbprint of the public key.</param>
/// <param name="X">The public point's x coordinate.</param>
/// <param name="Y">The public point's y coordinate.</param>
/// <param name="D">The private scalar; null once the key is retired.</param>
internal sealed record ReceiptKeyFileEntry(string Kid, string X, string Y, string? D);
