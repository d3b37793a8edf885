using System.Buffers.Text;
using System.Text;

namespace CycleTokens.Core.Storage;

/// <summary>Opaque paging cursors: base64url of a position, so callers do not depend on its form.</summary>
internal static class Cursor
{
    internal static string Encode(string position) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(position));

    internal static string Decode(string cursor)
    {
        try
        {
            if (cursor.Length is > 0 and <= 200)
            {
                return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            }
        }
        catch (FormatException)
        {
        }

        throw LedgerException.Invalid("cursor", "must be a cursor returned by this server", Validation.Check.Shown(cursor));
    }

    internal static long DecodeSeq(string cursor) =>
        long.TryParse(Decode(cursor), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seq) && seq > 0
            ? seq
            : throw LedgerException.Invalid("cursor", "must be a cursor returned by this server", Validation.Check.Shown(cursor));
}
