using CycleTokens.Core;
using CycleTokens.Mcp.Cli;

namespace CycleTokens.Mcp.Tests.Cli;

/// <summary>Runs <c>cycletokens</c> commands in-process on a temporary ledger file, capturing stdout and stderr.</summary>
internal sealed class CliRunner : IDisposable
{
    public CliRunner()
    {
        Folder = Path.Combine(Path.GetTempPath(), "cycletokens-cli-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    public string Db => Path.Combine(Folder, "ledger.db");

    /// <summary>When true, commands behave as if stderr were a terminal (progress is shown).</summary>
    public bool Terminal { get; init; }

    /// <summary>The environment the settings are read from (default: none, so the developer's CYCLETOKENS_* stay out).</summary>
    public Dictionary<string, string> Environment { get; init; } = [];

    /// <summary>Where appsettings.json is looked for (default: this runner's folder, which has none).</summary>
    public string? SettingsFolder { get; init; }

    /// <summary>What commands read from standard input (<c>-</c>); empty by default.</summary>
    public string Input { get; set; } = string.Empty;

    /// <summary>The receipt key file beside this runner's ledger, where commands that sign receipts make it.</summary>
    public string ReceiptKeys => Db + ".receipt-keys.json";

    /// <summary>Runs a command on this runner's ledger file (<c>--db</c> is added).</summary>
    public Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) => RunRawAsync([.. args, "--db", Db]);

    /// <summary>Runs a command exactly as given.</summary>
    public async Task<(int Exit, string Out, string Err)> RunRawAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await App(output, error).InvokeAsync(args);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>The application as this runner runs it, writing to the given writers.</summary>
    public CliApp App(TextWriter output, TextWriter error) =>
        new(output, error, errorIsTerminal: Terminal, new System.Collections.Hashtable(Environment), SettingsFolder ?? Folder, new StringReader(Input));

    /// <summary>The same file through the engine, to set up or check state.</summary>
    public TokenLedger OpenLedger() => TokenLedger.Open(new LedgerOptions { DatabasePath = Db });

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
