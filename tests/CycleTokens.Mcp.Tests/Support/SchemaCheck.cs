using System.Text.Json;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// Checks a JSON value against the subset of JSON Schema the server's output schemas use: <c>type</c> (one name or a
/// list), <c>properties</c>, <c>required</c>, <c>items</c>. Returns each mismatch as a path and a reason.
/// </summary>
internal static class SchemaCheck
{
    public static List<string> Problems(JsonElement schema, JsonElement value, string path = "$")
    {
        var problems = new List<string>();
        if (schema.TryGetProperty("type", out var type))
        {
            var allowed = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!];
            if (!allowed.Any(t => Matches(t, value)))
            {
                problems.Add($"{path}: expected {string.Join("|", allowed)}, got {value.ValueKind} {Short(value)}");
                return problems;
            }
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            if (schema.TryGetProperty("required", out var required))
            {
                foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
                {
                    if (!value.TryGetProperty(name, out _))
                    {
                        problems.Add($"{path}: required {name} is missing");
                    }
                }
            }

            if (schema.TryGetProperty("properties", out var properties))
            {
                foreach (var property in properties.EnumerateObject())
                {
                    if (value.TryGetProperty(property.Name, out var child))
                    {
                        problems.AddRange(Problems(property.Value, child, $"{path}.{property.Name}"));
                    }
                }
            }
        }

        if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                problems.AddRange(Problems(items, item, $"{path}[{i++}]"));
            }
        }

        return problems;
    }

    private static bool Matches(string type, JsonElement value) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "number" => value.ValueKind == JsonValueKind.Number,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => false,
    };

    private static string Short(JsonElement value)
    {
        var text = value.GetRawText();
        return text.Length > 60 ? text[..60] + "..." : text;
    }
}
