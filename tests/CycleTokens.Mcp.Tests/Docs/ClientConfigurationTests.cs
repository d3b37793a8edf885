using System.Text.Json;
using System.Text.RegularExpressions;
using CycleTokens.Mcp.Tests.Support;

namespace CycleTokens.Mcp.Tests.Docs;

/// <summary>The client configurations people copy (mcp.json.example, the README's JSON blocks) parse and have the shape their clients read.</summary>
public sealed partial class ClientConfigurationTests
{
    [Fact]
    public void McpJsonExample_IsAnMcpServersConfigThatServesOneAccount()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(ServerProcess.RepositoryRoot(), "mcp.json.example")));

        var server = AssertServers(document.RootElement, "mcpServers", "mcp.json.example").Single();
        Assert.Equal("cycletokens", server.GetProperty("command").GetString());
        Assert.Equal(["serve", "--account", "alice"], server.GetProperty("args").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public void ReadmeJsonBlocks_AreClaudeDesktopAndVsCodeConfigsThatParse()
    {
        var readme = File.ReadAllText(Path.Combine(ServerProcess.RepositoryRoot(), "README.md"));

        var blocks = JsonBlock().Matches(readme).Select(m => m.Groups["json"].Value).ToList();

        var roots = new List<string>();
        foreach (var (block, index) in blocks.Select((b, i) => (b, i)))
        {
            using var document = JsonDocument.Parse(block, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Disallow });
            var root = document.RootElement.TryGetProperty("servers", out _) ? "servers" : "mcpServers";
            var servers = AssertServers(document.RootElement, root, $"README JSON block {index + 1}");
            if (root == "servers")
            {
                // VS Code's .vscode/mcp.json: every server says its transport.
                Assert.All(servers, s => Assert.Equal("stdio", s.GetProperty("type").GetString()));
            }

            roots.Add(root);
        }

        Assert.Contains("mcpServers", roots);
        Assert.Contains("servers", roots);
    }

    private static List<JsonElement> AssertServers(JsonElement config, string root, string where)
    {
        Assert.True(config.TryGetProperty(root, out var servers) && servers.ValueKind == JsonValueKind.Object, $"{where}: no '{root}' object");
        var entries = servers.EnumerateObject().Select(p => p.Value).ToList();
        Assert.NotEmpty(entries);
        foreach (var server in entries)
        {
            Assert.Equal(JsonValueKind.String, server.GetProperty("command").ValueKind);
            var args = server.GetProperty("args").EnumerateArray().ToList();
            Assert.All(args, a => Assert.Equal(JsonValueKind.String, a.ValueKind));
            Assert.Contains("serve", args.Select(a => a.GetString()));
            if (server.TryGetProperty("env", out var env))
            {
                Assert.All(env.EnumerateObject(), v => Assert.Equal(JsonValueKind.String, v.Value.ValueKind));
            }
        }

        return entries;
    }

    [GeneratedRegex("^```json[ \\t]*\\r?\\n(?<json>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
