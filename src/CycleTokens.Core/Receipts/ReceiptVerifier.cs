using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace CycleTokens.Core.Receipts;

/// <summary>Checks receipts offline against a JWK Set; needs neither the ledger nor its private key.</summary>
public static class ReceiptVerifier
{
    // A receipt is a few hundred bytes; anything far larger is refused before decoding.
    private const int MaxLength = 16 * 1024;
    private const int SignatureLength = 64;

    /// <summary>Checks that <paramref name="jws"/> is a receipt signed with <c>ES256</c> by a key in <paramref name="keys"/>.</summary>
    /// <param name="jws">The compact JWS.</param>
    /// <param name="keys">The published public keys.</param>
    /// <returns>Valid with the claims, or the reason it is not to be trusted. Never throws for a bad receipt.</returns>
    /// <remarks>The payload is read only after the signature verifies, so unsigned bytes are never parsed.</remarks>
    public static ReceiptVerification Verify(string jws, JwkSet keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var parts = jws is { Length: > 0 and <= MaxLength } ? jws.Split('.') : [];
        if (parts.Length != 3
            || !Base64UrlText.TryDecode(parts[0], out var headerBytes)
            || !Base64UrlText.TryDecode(parts[1], out var payloadBytes)
            || !Base64UrlText.TryDecode(parts[2], out var signature))
        {
            return ReceiptVerification.Failed(ReceiptCheck.Malformed);
        }

        if (JwsHeader.TryRead(headerBytes, out var kid) is { } headerProblem)
        {
            return ReceiptVerification.Failed(headerProblem);
        }

        if (keys.Find(kid) is not { } jwk)
        {
            return ReceiptVerification.Failed(ReceiptCheck.UnknownKey);
        }

        if (!SignatureMatches(jwk, $"{parts[0]}.{parts[1]}", signature))
        {
            return ReceiptVerification.Failed(ReceiptCheck.BadSignature);
        }

        var claims = ReadClaims(payloadBytes);
        return claims is null || !string.Equals(claims.Kid, kid, StringComparison.Ordinal)
            ? ReceiptVerification.Failed(ReceiptCheck.Malformed)
            : new ReceiptVerification(ReceiptCheck.Valid, claims);
    }

    private static bool SignatureMatches(Jwk jwk, string signingInput, byte[] signature)
    {
        if (signature.Length != SignatureLength)
        {
            return false;
        }

        using var key = P256Keys.TryImportPublic(jwk.X, jwk.Y);
        return key is not null && key.VerifyData(
            Encoding.ASCII.GetBytes(signingInput),
            signature,
            HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    private static ReceiptClaims? ReadClaims(byte[] payload)
    {
        try
        {
            return JsonSerializer.Deserialize(payload, ReceiptJsonContext.Default.ReceiptClaims);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
