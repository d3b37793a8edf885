using System.Security.Cryptography;

namespace CycleTokens.Core.Receipts;

/// <summary>Checks a loaded key file before any key in it is trusted.</summary>
internal static class ReceiptKeyFileCheck
{
    /// <summary>The current signing key, or why the file cannot be used (never quoting key material).</summary>
    internal static string? TryOpen(ReceiptKeyFile? file, out ECDsa? signingKey)
    {
        signingKey = null;
        if (PublicProblem(file) is { } problem)
        {
            return problem;
        }

        var current = file!.Keys.FirstOrDefault(key => string.Equals(key.Kid, file.Current, StringComparison.Ordinal));
        if (current is null)
        {
            return "current names no listed key";
        }

        signingKey = TryImportPrivate(current);
        return signingKey is null ? $"the current key ({current.Kid}) has no usable private part" : null;
    }

    /// <summary>Why the file's public keys cannot be trusted, or null: version, and every key a point whose kid is its thumbprint.</summary>
    internal static string? PublicProblem(ReceiptKeyFile? file)
    {
        if (file is null)
        {
            return "it is empty (null)";
        }

        if (file.Version != ReceiptKeyFile.FormatVersion)
        {
            return $"version {file.Version} is not one this build reads ({ReceiptKeyFile.FormatVersion})";
        }

        if (file.Keys.Count == 0)
        {
            return "it lists no keys";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < file.Keys.Count; i++)
        {
            var entry = file.Keys[i];
            using var check = P256Keys.TryImportPublic(entry.X, entry.Y);
            if (check is null)
            {
                return $"keys[{i}] is not a P-256 public key";
            }

            // The kid is derived from the key, so a hand-edited kid or coordinate is caught here.
            if (!string.Equals(entry.Kid, P256Keys.Thumbprint(entry.X, entry.Y), StringComparison.Ordinal))
            {
                return $"keys[{i}].kid is not the thumbprint of its public key";
            }

            if (!seen.Add(entry.Kid))
            {
                return $"keys[{i}] repeats kid {entry.Kid}";
            }
        }

        return null;
    }

    private static ECDsa? TryImportPrivate(ReceiptKeyFileEntry entry)
    {
        if (entry.D is null || !Base64UrlText.TryDecode(entry.D, out var d) || d.Length != P256Keys.CoordinateLength)
        {
            return null;
        }

        try
        {
            Base64UrlText.TryDecode(entry.X, out var x);
            Base64UrlText.TryDecode(entry.Y, out var y);
            var key = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                D = d,
                Q = new ECPoint { X = x, Y = y },
            });

            // Not every platform checks on import that D belongs to Q; a mismatch would sign receipts nobody can verify.
            using var publicKey = P256Keys.TryImportPublic(entry.X, entry.Y);
            byte[] probe = [1, 2, 3];
            if (publicKey is null || !publicKey.VerifyData(probe, key.SignData(probe, HashAlgorithmName.SHA256), HashAlgorithmName.SHA256))
            {
                key.Dispose();
                return null;
            }

            return key;
        }
        catch (CryptographicException)
        {
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(d);
        }
    }
}
