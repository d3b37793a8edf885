using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>Checks every tool result must pass: structured content, the same JSON as text, the contract's fields.</summary>
internal static class ToolResults
{
    /// <summary>Calls a tool that must succeed, checks the result's shape and returns its structured content.</summary>
    public static async Task<JsonElement> CallContractAsync(this McpTestServer server, string tool, string argumentsJson = "{}")
    {
        var result = await server.CallAsync(tool, argumentsJson);
        Assert.True(result.IsError is not true, $"{tool} failed: {McpTestServer.Text(result)}");
        var structured = result.StructuredContent ?? throw new Xunit.Sdk.XunitException($"{tool} returned no structured content");
        AssertTextMatches(result, structured);
        foreach (var field in Contract.Any(tool).ResultFields)
        {
            Assert.True(structured.TryGetProperty(field, out _), $"{tool} result lacks {field}: {structured}");
        }

        var problems = SchemaCheck.Problems(await OutputSchemaAsync(server, tool), structured);
        Assert.True(problems.Count == 0, $"{tool} result does not conform to its output schema:\n{string.Join("\n", problems)}");
        return structured;
    }

    private static readonly ConditionalWeakTable<McpTestServer, Dictionary<string, JsonElement>> Schemas = [];

    private static async Task<JsonElement> OutputSchemaAsync(McpTestServer server, string tool)
    {
        if (!Schemas.TryGetValue(server, out var schemas))
        {
            schemas = (await server.Client.ListToolsAsync()).ToDictionary(t => t.Name, t => t.ProtocolTool.OutputSchema ?? default);
            Schemas.AddOrUpdate(server, schemas);
        }

        return schemas[tool];
    }

    /// <summary>The result has exactly one text block and it holds the structured content's JSON.</summary>
    public static void AssertTextMatches(CallToolResult result, JsonElement structured)
    {
        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.True(
            JsonNode.DeepEquals(JsonNode.Parse(text), JsonSerializer.SerializeToNode(structured)),
            $"text block differs from structured content:\n{text}\n{structured}");
    }

    public static long Long(this JsonElement e, string name) => e.GetProperty(name).GetInt64();

    public static string? Str(this JsonElement e, string name) => e.GetProperty(name).GetString();

    public static bool Bool(this JsonElement e, string name) => e.GetProperty(name).GetBoolean();

    public static bool IsNull(this JsonElement e, string name) => e.GetProperty(name).ValueKind == JsonValueKind.Null;
}
