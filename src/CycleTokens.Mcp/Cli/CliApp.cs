using System.CommandLine;
using CycleTokens.Mcp.Cli.Commands;

namespace CycleTokens.Mcp.Cli;

/// <summary>
/// The <c>cycletokens</c> command line: <c>serve</c> (the default) and the operator commands. Output and error writers
/// are injected so tests can run commands in-process.
/// </summary>
internal sealed class CliApp(TextWriter output, TextWriter error, bool errorIsTerminal)
{
    public TextWriter Output => output;

    public TextWriter Error => error;

    public bool ErrorIsTerminal => errorIsTerminal;

    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default) =>
        new CliApp(Console.Out, Console.Error, !Console.IsErrorRedirected).InvokeAsync(args, cancellationToken);

    public async Task<int> InvokeAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var root = Build();
        var result = root.Parse(args);
        if (result.Errors.Count > 0 && result.Action is not System.CommandLine.Help.HelpAction)
        {
            foreach (var parseError in result.Errors)
            {
                await error.WriteLineAsync(parseError.Message);
            }

            await error.WriteLineAsync("Run 'cycletokens --help' (or '<command> --help') for usage.");
            return LedgerCommand.UsageError;
        }

        return await result.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
    }

    private RootCommand Build()
    {
        var root = new RootCommand("CycleTokens: per-operation token billing for AI agent copilots. Without a command: serve MCP on stdio.");
        ServeCommand.AddOptions(root);
        root.Options.Add(CliOptions.Json);
        root.SetAction((result, ct) => ServeCommand.RunAsync(result, ct));
        root.Subcommands.Add(ServeCommand.Create());
        foreach (var command in AccountCommands.Create(this).Concat(LedgerAdminCommands.Create(this)).Concat(EscrowCommands.Create(this)).Concat(PurchaseCommands.Create(this)))
        {
            root.Subcommands.Add(command);
        }

        return root;
    }
}
