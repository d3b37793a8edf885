using System.Text.Json.Nodes;
using CycleTokens.Mcp.Tools;

namespace CycleTokens.Mcp.Json;

/// <summary>Builds the JSON schemas of tool inputs (from parameter specs) and outputs (from field lists).</summary>
internal static class Schema
{
    public const string Str = "string";
    public const string Int = "integer";
    public const string Bool = "boolean";
    public const string Obj = "object";
    public const string Arr = "array";
    public const string StrOrNull = "string|null";
    public const string IntOrNull = "integer|null";
    public const string ObjOrNull = "object|null";

    public static JsonObject Input(IEnumerable<ParameterSpec> parameters)
    {
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var p in parameters)
        {
            var property = new JsonObject { ["description"] = p.Description };
            switch (p.Kind)
            {
                case ParamKind.Integer:
                    property["type"] = "integer";
                    property["minimum"] = p.Min;
                    property["maximum"] = p.Max;
                    break;
                case ParamKind.Object:
                    property["type"] = "object";
                    break;
                case ParamKind.DateTime:
                    property["type"] = "string";
                    property["format"] = "date-time";
                    break;
                default:
                    property["type"] = "string";
                    if (p.Values is { } values)
                    {
                        property["enum"] = new JsonArray(values.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray());
                    }

                    break;
            }

            properties[p.Name] = property;
            if (p.Required)
            {
                required.Add((JsonNode)JsonValue.Create(p.Name));
            }
        }

        var schema = new JsonObject { ["type"] = "object", ["properties"] = properties, ["additionalProperties"] = false };
        if (required.Count > 0)
        {
            schema["required"] = required;
        }

        return schema;
    }

    /// <summary>An object schema whose listed fields are all required (nullable ones may be null).</summary>
    public static JsonObject Output(params (string Name, string Type)[] fields)
    {
        var properties = new JsonObject();
        foreach (var (name, type) in fields)
        {
            properties[name] = TypeNode(type);
        }

        return new JsonObject
        {
            ["type"] = "object",
            ["properties"] = properties,
            ["required"] = new JsonArray(fields.Select(f => (JsonNode)JsonValue.Create(f.Name)!).ToArray()),
        };
    }

    /// <summary>Sets a field of an output schema to an array of the given item schema.</summary>
    public static JsonObject With(this JsonObject schema, string name, JsonObject itemSchema)
    {
        ((JsonObject)schema["properties"]!)[name] = new JsonObject { ["type"] = "array", ["items"] = itemSchema };
        return schema;
    }

    private static JsonObject TypeNode(string type) => type switch
    {
        StrOrNull => new JsonObject { ["type"] = new JsonArray("string", "null") },
        IntOrNull => new JsonObject { ["type"] = new JsonArray("integer", "null") },
        ObjOrNull => new JsonObject { ["type"] = new JsonArray("object", "null") },
        _ => new JsonObject { ["type"] = type },
    };
}
