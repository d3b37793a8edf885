using System.Globalization;
using System.Text.Json;

namespace CycleTokens.Mcp.Tools;

/// <summary>Arguments that passed the tool's schema checks, with typed getters. Absent and null read as null.</summary>
internal sealed class ToolArguments(IReadOnlyDictionary<string, JsonElement> values)
{
    public static ToolArguments Empty { get; } = new(new Dictionary<string, JsonElement>());

    public string? String(string name) => values.TryGetValue(name, out var v) ? v.GetString() : null;

    public long? Long(string name) => values.TryGetValue(name, out var v) ? v.GetInt64() : null;

    public int? Int(string name) => values.TryGetValue(name, out var v) ? (int)v.GetInt64() : null;

    public JsonElement? Object(string name) => values.TryGetValue(name, out var v) ? v : null;

    public DateTimeOffset? Date(string name) =>
        values.TryGetValue(name, out var v)
            ? DateTimeOffset.Parse(v.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)
            : null;
}
