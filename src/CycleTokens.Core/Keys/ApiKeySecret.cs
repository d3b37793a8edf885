using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace CycleTokens.Core.Keys;

/// <summary>The form of a key's secret, how one is made, and the hash the ledger stores in its place.</summary>
internal static class ApiKeySecret
{
    internal const string Prefix = "ctk_";

    /// <summary>256 random bits: beyond guessing, so the secret needs no salt or slow hash, only SHA-256.</summary>
    internal const int RandomBytes = 32;

    /// <summary>base64url of 32 bytes without padding.</summary>
    internal const int EncodedLength = 43;

    internal static string Generate()
    {
        Span<byte> bytes = stackalloc byte[RandomBytes];
        RandomNumberGenerator.Fill(bytes);
        var secret = Prefix + Base64Url.EncodeToString(bytes);
        CryptographicOperations.ZeroMemory(bytes);
        return secret;
    }

    /// <summary>True for <c>ctk_</c> followed by exactly 43 base64url characters.</summary>
    /// <remarks>
    /// The form is public, so checking it leaks nothing about any real secret; rejecting other text here spares the
    /// database a lookup for what cannot be a key (a JWT, a typo, a header of the wrong scheme).
    /// </remarks>
    internal static bool IsWellFormed(string? secret)
    {
        if (secret is null || secret.Length != Prefix.Length + EncodedLength || !secret.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in secret.AsSpan(Prefix.Length))
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>SHA-256 of the secret's UTF-8 text: what is stored, and what a presented secret is looked up by.</summary>
    internal static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
