using CycleTokens.Mcp.Cli;

namespace CycleTokens.Mcp;

/// <summary>The <c>cycletokens</c> executable: <c>serve</c> (the default) runs the stdio MCP server; the other commands operate the ledger.</summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => CliApp.RunAsync(args);
}
