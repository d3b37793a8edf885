using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CycleTokens.Core.Receipts;

/// <summary>The protected header of a receipt: <c>{"alg":"ES256","kid":…,"typ":"cycletokens-receipt+jwt"}</c>.</summary>
internal static class JwsHeader
{
    internal const string Algorithm = "ES256";
    internal const string Type = "cycletokens-receipt+jwt";

    internal static byte[] Write(string kid)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        // The default encoder writes '+' as \u002B; the relaxed one keeps the typ readable as the spec spells it.
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("alg", Algorithm);
            writer.WriteString("kid", kid);
            writer.WriteString("typ", Type);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads the kid of an ES256 receipt header. Members other than alg, kid and typ (notably <c>crit</c>) make the
    /// header malformed: this verifier understands no extensions and must not ignore one.
    /// </summary>
    internal static ReceiptCheck? TryRead(byte[] json, out string kid)
    {
        kid = "";
        string? alg = null, typ = null, readKid = null;
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowDuplicateProperties = false });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return ReceiptCheck.Malformed;
            }

            foreach (var member in document.RootElement.EnumerateObject())
            {
                if (member.Value.ValueKind != JsonValueKind.String)
                {
                    return ReceiptCheck.Malformed;
                }

                switch (member.Name)
                {
                    case "alg": alg = member.Value.GetString(); break;
                    case "kid": readKid = member.Value.GetString(); break;
                    case "typ": typ = member.Value.GetString(); break;
                    default: return ReceiptCheck.Malformed;
                }
            }
        }
        catch (JsonException)
        {
            return ReceiptCheck.Malformed;
        }

        if (alg is null)
        {
            return ReceiptCheck.Malformed;
        }

        if (!string.Equals(alg, Algorithm, StringComparison.Ordinal))
        {
            return ReceiptCheck.WrongAlgorithm;
        }

        if (readKid is null || (typ is not null && !string.Equals(typ, Type, StringComparison.Ordinal)))
        {
            return ReceiptCheck.Malformed;
        }

        kid = readKid;
        return null;
    }
}
