using System.Security.Cryptography;
using System.Text;

namespace CycleTokens.Core.Idempotency;

/// <summary>A hash of a call's name and arguments, so a reused key with other arguments is detected.</summary>
internal static class Fingerprint
{
    internal static string Of(params object?[] parts)
    {
        var sb = new StringBuilder();
        foreach (var part in parts)
        {
            // Unit separators cannot occur in validated arguments, so the join is unambiguous.
            sb.Append(part is null ? "\u0000" : Convert.ToString(part, System.Globalization.CultureInfo.InvariantCulture)).Append('\u001f');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }
}
