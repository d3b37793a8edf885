using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CycleTokens.Mcp.Json;

/// <summary>Wire formats shared by tools and resources: ISO 8601 UTC timestamps and embedded caller JSON.</summary>
internal static class Wire
{
    public static string Time(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static JsonNode? Time(DateTimeOffset? value) => value is { } v ? JsonValue.Create(Time(v)) : null;

    /// <summary>Caller metadata is stored as canonical JSON text and returned as the JSON object it is.</summary>
    public static JsonNode? Raw(string? json) => json is null ? null : JsonNode.Parse(json);

    public static JsonArray Array<T>(IEnumerable<T> items, Func<T, JsonNode?> map) => new(items.Select(map).ToArray());

    /// <summary>A caller's string as shown in a message: shortened, control and lone surrogate characters as '?'.</summary>
    public static string Shown(string value, int max = 64) =>
        new((value.Length > max ? value[..max] : value).Select(c => char.IsControl(c) || char.IsSurrogate(c) ? '?' : c).ToArray());

    public static string Text(JsonNode node) => node.ToJsonString(Options);

    private static readonly JsonSerializerOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
