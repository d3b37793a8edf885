using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CycleTokens.Core.Pricing;

/// <summary>
/// Canonical JSON: object keys sorted (ordinal) at every depth, no insignificant whitespace, numbers as written.
/// Two documents that differ only in key order or spacing have the same canonical text.
/// </summary>
internal static class CanonicalJson
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Non-ASCII stays as written so stored strings read back byte for byte; quotes and controls are escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = false,
    };

    internal static string Write(JsonElement element, string field, int maxDepth)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            try
            {
                WriteValue(writer, element, field, 1, maxDepth);
            }
            catch (InvalidOperationException)
            {
                throw LedgerException.Invalid(field, "must contain only valid Unicode text", "an unpaired surrogate");
            }
            catch (ArgumentException)
            {
                throw LedgerException.Invalid(field, "must contain only valid Unicode text", "an unpaired surrogate");
            }
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A one-member object, e.g. {"reason":"..."}, as canonical JSON.</summary>
    internal static string OfString(string name, string value)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString(name, value);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    internal static string Hash(string canonical) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));

    private static void WriteValue(Utf8JsonWriter writer, JsonElement element, string field, int depth, int maxDepth)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                CheckDepth(field, depth, maxDepth);
                writer.WriteStartObject();
                var properties = element.EnumerateObject().ToList();
                properties.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
                for (var i = 0; i < properties.Count; i++)
                {
                    if (i > 0 && properties[i].Name == properties[i - 1].Name)
                    {
                        throw LedgerException.Invalid(field, "must not repeat a key in one object", Validation.Check.Shown(properties[i].Name));
                    }

                    writer.WritePropertyName(properties[i].Name);
                    WriteValue(writer, properties[i].Value, field, depth + 1, maxDepth);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                CheckDepth(field, depth, maxDepth);
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteValue(writer, item, field, depth + 1, maxDepth);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(element.GetString());
                break;
            case JsonValueKind.Number:
                writer.WriteRawValue(element.GetRawText(), skipInputValidation: true);
                break;
            case JsonValueKind.True:
                writer.WriteBooleanValue(true);
                break;
            case JsonValueKind.False:
                writer.WriteBooleanValue(false);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    private static void CheckDepth(string field, int depth, int maxDepth)
    {
        if (depth > maxDepth)
        {
            throw LedgerException.Invalid(field, $"must be nested at most {maxDepth} levels", $"more than {maxDepth}");
        }
    }
}
