using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace CycleTokens.Core.Receipts;

/// <summary>Signs receipts with the key ring's current key as compact JWS (RFC 7515), <c>ES256</c>.</summary>
/// <remarks>
/// The token is <c>base64url(header).base64url(payload).base64url(signature)</c>; the signature is the 64-byte R‖S
/// form JWS requires (RFC 7518 §3.4), not DER. ECDSA signatures are randomized: signing the same claims twice gives two
/// different tokens, both valid, so a result that must replay identically keeps the token it was given.
/// </remarks>
/// <param name="keys">The key ring; the signer does not own it.</param>
public sealed class ReceiptSigner(ReceiptKeyRing keys)
{
    /// <summary>Signs the claims. The <see cref="ReceiptClaims.Kid"/> is set to the signing key's id.</summary>
    /// <param name="claims">The receipt's figures.</param>
    /// <returns>The compact JWS.</returns>
    /// <exception cref="ObjectDisposedException">The key ring was disposed.</exception>
    public string Sign(ReceiptClaims claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        return keys.WithCurrentKey((kid, key) =>
        {
            // The payload names the same kid as the header so a receipt read on its own says which key to ask for.
            var payload = JsonSerializer.SerializeToUtf8Bytes(claims with { Kid = kid }, ReceiptJsonContext.Default.ReceiptClaims);
            var signingInput = $"{Base64UrlText.Encode(JwsHeader.Write(kid))}.{Base64UrlText.Encode(payload)}";
            var signature = key.SignData(
                Encoding.ASCII.GetBytes(signingInput),
                HashAlgorithmName.SHA256,
                DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            return $"{signingInput}.{Base64UrlText.Encode(signature)}";
        });
    }
}
