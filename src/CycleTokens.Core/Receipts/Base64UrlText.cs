using System.Buffers.Text;

namespace CycleTokens.Core.Receipts;

/// <summary>Unpadded base64url as JOSE uses it, decoded strictly.</summary>
internal static class Base64UrlText
{
    internal static string Encode(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(bytes);

    /// <summary>
    /// Decodes, refusing padding, other alphabets and non-canonical trailing bits: a token must have exactly one
    /// spelling, or an altered token could still verify.
    /// </summary>
    internal static bool TryDecode(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Contains('=', StringComparison.Ordinal) || !Base64Url.IsValid(text))
        {
            return false;
        }

        var decoded = Base64Url.DecodeFromChars(text);
        if (!string.Equals(Base64Url.EncodeToString(decoded), text, StringComparison.Ordinal))
        {
            return false;
        }

        bytes = decoded;
        return true;
    }
}
