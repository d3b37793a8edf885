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

    public async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await new CliApp(output, error, errorIsTerminal: Terminal).InvokeAsync([.. args, "--db", Db]);
        return (exit, output.ToString(), error.ToString());
    }

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
