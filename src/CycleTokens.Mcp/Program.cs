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

        // None of help, version or a parse error starts the server. Asked-for help goes to stdout; on a parse error the
        // help goes to stderr with the error, because an MCP client that started us reads stdout as the protocol.
        var parsed = root.Parse(args);
        var configuration = parsed.Errors.Count > 0 ? new InvocationConfiguration { Output = Console.Error } : null;
        return parsed.InvokeAsync(configuration);
    }
}
