using System.CommandLine;
using CycleTokens.Mcp.Cli;

namespace CycleTokens.Mcp;

/// <summary>The <c>cycletokens</c> executable: <c>serve</c> (the default) runs the stdio MCP server.</summary>
internal static class Program
{
    public static Task<int> Main(string[] args)
    {
        var root = new RootCommand("CycleTokens: per-operation token billing for AI agent copilots, served over MCP (stdio).");
        ServeCommand.AddOptions(root);
        root.SetAction((result, ct) => ServeCommand.RunAsync(result, ct));
        root.Subcommands.Add(ServeCommand.Create());

        // Parse errors and help go to stderr/stdout as the parser decides; none of them start the server.
        return root.Parse(args).InvokeAsync();
    }
}
