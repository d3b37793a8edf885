using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace CycleTokens.Mcp.Json;

/// <summary>Source-generated JSON for the node types we hand to the SDK (no reflection at run time).</summary>
[JsonSourceGenerationOptions]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonNode))]
internal sealed partial class WireJson : JsonSerializerContext
{
    public static WireJson Context { get; } = new(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
