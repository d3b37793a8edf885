using System.Buffers;
using System.Text;
using System.Text.Json;

namespace CycleTokens.Core.Receipts;

/// <summary>
/// The public keys that verify receipts, as an RFC 7517 JWK Set:
/// <c>{"keys":[{"kty":"EC","crv":"P-256","x":…,"y":…,"kid":…,"alg":"ES256","use":"sig"}]}</c>.
/// </summary>
/// <remarks>
/// <see cref="Parse"/> keeps only the keys a receipt can be verified with (EC P-256, <c>ES256</c> or no <c>alg</c>,
/// <c>sig</c> or no <c>use</c>) and skips others, so a set published beside other keys still works.
/// </remarks>
public sealed class JwkSet
{
    /// <summary>Creates a set of the given keys.</summary>
    /// <param name="keys">The keys, in the order to publish them.</param>
    public JwkSet(IReadOnlyList<Jwk> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        Keys = keys;
    }

    /// <summary>The keys, in published order.</summary>
    public IReadOnlyList<Jwk> Keys { get; }

    /// <summary>The key with this id, or null.</summary>
    /// <param name="kid">The key id from a receipt's header.</param>
    public Jwk? Find(string kid) => Keys.FirstOrDefault(key => string.Equals(key.Kid, kid, StringComparison.Ordinal));

    /// <summary>The set as compact JSON text.</summary>
    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("keys");
            foreach (var key in Keys)
            {
                writer.WriteStartObject();
                writer.WriteString("kty", Jwk.KeyType);
                writer.WriteString("crv", Jwk.Curve);
                writer.WriteString("x", key.X);
                writer.WriteString("y", key.Y);
                writer.WriteString("kid", key.Kid);
                writer.WriteString("alg", Jwk.Algorithm);
                writer.WriteString("use", Jwk.Use);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads a JWK Set.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The usable keys it lists (possibly none).</returns>
    /// <exception cref="FormatException">The text is not a JWK Set, or a P-256 key in it is not a valid point; the
    /// message names the member.</exception>
    public static JwkSet Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw new FormatException("The JWK Set is not valid JSON.", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("keys", out var keys)
                || keys.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("The JWK Set must be an object with a \"keys\" array.");
            }

            var usable = new List<Jwk>();
            var index = 0;
            foreach (var key in keys.EnumerateArray())
            {
                if (ReadKey(key, index) is { } jwk)
                {
                    usable.Add(jwk);
                }

                index++;
            }

            return new JwkSet(usable);
        }
    }

    private static Jwk? ReadKey(JsonElement key, int index)
    {
        if (key.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"keys[{index}] must be an object.");
        }

        if (Text(key, "kty") != Jwk.KeyType || Text(key, "crv") != Jwk.Curve
            || Text(key, "alg") is not (null or "ES256") || Text(key, "use") is not (null or "sig"))
        {
            return null;
        }

        var kid = Text(key, "kid") ?? throw new FormatException($"keys[{index}].kid is missing.");
        var x = Text(key, "x") ?? throw new FormatException($"keys[{index}].x is missing.");
        var y = Text(key, "y") ?? throw new FormatException($"keys[{index}].y is missing.");
        using var check = P256Keys.TryImportPublic(x, y)
            ?? throw new FormatException($"keys[{index}] (kid {kid}) is not a P-256 public key: x and y must be a point on the curve.");
        return new Jwk(kid, x, y);
    }

    private static string? Text(JsonElement key, string name) =>
        key.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
