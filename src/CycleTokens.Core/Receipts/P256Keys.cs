using System.Security.Cryptography;
using System.Text;

namespace CycleTokens.Core.Receipts;

/// <summary>P-256 public keys in JWK terms: coordinates, RFC 7638 thumbprints, import.</summary>
internal static class P256Keys
{
    internal const int CoordinateLength = 32;

    /// <summary>The RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order, base64url.</summary>
    internal static string Thumbprint(string x, string y)
    {
        var input = $$"""{"crv":"P-256","kty":"EC","x":"{{x}}","y":"{{y}}"}""";
        return Base64UrlText.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(input)));
    }

    /// <summary>A verifying key from base64url coordinates, or null when they are not a point on P-256.</summary>
    internal static ECDsa? TryImportPublic(string x, string y)
    {
        if (!Base64UrlText.TryDecode(x, out var xBytes) || xBytes.Length != CoordinateLength
            || !Base64UrlText.TryDecode(y, out var yBytes) || yBytes.Length != CoordinateLength)
        {
            return null;
        }

        try
        {
            return ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = xBytes, Y = yBytes },
            });
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
