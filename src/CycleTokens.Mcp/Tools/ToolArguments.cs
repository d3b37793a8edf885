using System.Text.Json;

namespace CycleTokens.Mcp.Tools;

/// <summary>Arguments that passed the tool's schema checks, with typed getters. Absent and null read as null.</summary>
internal sealed class ToolArguments(IReadOnlyDictionary<string, JsonElement> values)
{
    public static ToolArguments Empty { get; } = new(new Dictionary<string, JsonElement>());

    public string? String(string name) => values.TryGetValue(name, out var v) ? v.GetString() : null;

    public long? Long(string name) => values.TryGetValue(name, out var v) && ArgumentReader.TryWhole(v, out var n) ? n : null;

    public int? Int(string name) => Long(name) is { } n ? checked((int)n) : null;

    public JsonElement? Object(string name) => values.TryGetValue(name, out var v) ? v : null;

    public DateTimeOffset? Date(string name) =>
        values.TryGetValue(name, out var v) && ArgumentReader.TryDate(v.GetString()!, out var date) ? date : null;
}
