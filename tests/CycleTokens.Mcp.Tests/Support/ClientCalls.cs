using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>Tool calls with raw JSON arguments, exactly as a client would send them, on any connected client.</summary>
internal static class ClientCalls
{
    /// <summary>Calls a tool with raw JSON arguments (e.g. <c>{"operation":"x"}</c>).</summary>
    public static Task<CallToolResult> CallJsonAsync(this McpClient client, string tool, string argumentsJson = "{}")
    {
        using var document = JsonDocument.Parse(argumentsJson);
        var arguments = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
        return client.CallToolAsync(new CallToolRequestParams { Name = tool, Arguments = arguments }).AsTask();
    }

    /// <summary>Calls a tool that must succeed and returns its structured content.</summary>
    public static async Task<JsonElement> CallOkAsync(this McpClient client, string tool, string argumentsJson = "{}")
    {
        var result = await client.CallJsonAsync(tool, argumentsJson);
        Assert.True(result.IsError is not true, $"{tool} failed: {McpTestServer.Text(result)}");
        return result.StructuredContent ?? throw new Xunit.Sdk.XunitException($"{tool} returned no structured content");
    }

    /// <summary>Calls a tool that must fail and returns its one-sentence message.</summary>
    public static async Task<string> CallErrorAsync(this McpClient client, string tool, string argumentsJson = "{}")
    {
        var result = await client.CallJsonAsync(tool, argumentsJson);
        Assert.True(result.IsError is true, $"{tool} was expected to fail but returned {McpTestServer.Text(result)}");
        return McpTestServer.Text(result);
    }
}
