using System.Collections;
using System.CommandLine;
using CycleTokens.Mcp.Cli.Commands;

namespace CycleTokens.Mcp.Cli;

/// <summary>
/// The <c>cycletokens</c> command line: <c>serve</c> (the default) and the operator commands. Output and error writers
/// (and, for tests, the environment and the folder of appsettings.json) are injected so commands run in-process.
/// </summary>
internal sealed class CliApp(TextWriter output, TextWriter error, bool errorIsTerminal, IDictionary? environment = null, string? settingsFolder = null, TextReader? input = null)
{
    /// <summary>Where commands that read their input from <c>-</c> read it; null: the process's standard input.</summary>
    public TextReader Input => input ?? Console.In;

    public TextWriter Output => output;

    public TextWriter Error => error;

    public bool ErrorIsTerminal => errorIsTerminal;

    /// <summary>The variables settings are read from; null: the process environment.</summary>
    public IDictionary? Environment => environment;

    /// <summary>Where appsettings.json is looked for; null: beside the executable.</summary>
    public string? SettingsFolder => settingsFolder;

    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default) =>
        new CliApp(Console.Out, Console.Error, !Console.IsErrorRedirected).InvokeAsync(args, cancellationToken);

    public async Task<int> InvokeAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var root = Build();
        var result = root.Parse(args);
        if (result.Errors.Count > 0 && result.Action is not System.CommandLine.Help.HelpAction)
        {
            var message = string.Join(System.Environment.NewLine, result.Errors.Select(e => ParseMessages.Plain(e.Message)));
            await CliOutput.FailAsync(output, error, JsonRequested(result), message, LedgerCommand.UsageError);
            await error.WriteLineAsync("Run 'cycletokens --help' (or '<command> --help') for usage.");
            return LedgerCommand.UsageError;
        }

        return await result.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
    }

    /// <summary>The whole command tree (tests walk it to try every argument and option).</summary>
    internal RootCommand Build()
    {
        var root = new RootCommand("CycleTokens: per-operation token billing for AI agent copilots. Without a command: serve MCP on stdio.");
        ServeCommand.AddOptions(root);
        root.Options.Add(CliOptions.Json);
        root.SetAction((result, ct) => ServeCommand.RunAsync(result, ct));
        root.Subcommands.Add(ServeCommand.Create());
        foreach (var command in AccountCommands.Create(this).Concat(LedgerAdminCommands.Create(this)).Concat(EscrowCommands.Create(this)).Concat(PurchaseCommands.Create(this)).Concat(KeyCommands.Create(this)).Concat(ReceiptCommands.Create(this)).Concat(MigrateStoreCommand.Create(this)))
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    // Even a command line that failed to parse asked for JSON if --json was among what did parse.
    private static bool JsonRequested(ParseResult result) => result.GetResult(CliOptions.Json) is not null && result.GetValue(CliOptions.Json);
}
