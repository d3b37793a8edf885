using System.CommandLine;
using CycleTokens.Core;
using CycleTokens.Mcp.Hosting;

namespace CycleTokens.Mcp.Cli;

/// <summary>
/// Runs an operator command against the ledger named by --db (or the configured default) and maps outcomes to exit
/// codes: 0 success, 1 business failure (message on stderr), 2 usage error (bad argument or setting).
/// </summary>
internal static class LedgerCommand
{
    public const int Ok = 0;
    public const int BusinessFailure = 1;
    public const int UsageError = 2;

    /// <summary>Runs <paramref name="action"/> on the ledger; <paramref name="readOnly"/> opens it without writing anything (see <see cref="LedgerOptions.ReadOnly"/>).</summary>
    /// <param name="command">The command.</param>
    /// <param name="app">The application (writers, environment, settings folder).</param>
    /// <param name="action">What the command does with the open ledger.</param>
    /// <param name="readOnly">Open the ledger read-only.</param>
    /// <param name="receipts">The command moves tokens and its result carries a signed receipt, as over MCP: the receipt
    /// key file is opened (and created on first use). Other commands leave it alone.</param>
    public static void SetAction(this Command command, CliApp app, Func<ParseResult, TokenLedger, CliOutput, CancellationToken, Task<int>> action, bool readOnly = false, bool receipts = false) =>
        command.SetAction((result, ct) => RunAsync(app, result, action, readOnly, receipts, ct));

    /// <summary>
    /// Runs <paramref name="action"/> with the ledger options of the settings (month time zone, busy timeout...) but no
    /// ledger opened, for a command that opens ledgers itself; failures leave as every command's do.
    /// </summary>
    public static void SetOptionsAction(this Command command, CliApp app, Func<ParseResult, LedgerOptions, CliOutput, CancellationToken, Task<int>> action) =>
        command.SetAction((result, ct) => RunAsync(app, result, action, receipts: false, ct));

    private static Task<int> RunAsync(CliApp app, ParseResult result, Func<ParseResult, TokenLedger, CliOutput, CancellationToken, Task<int>> action, bool readOnly, bool receipts, CancellationToken cancellationToken) =>
        RunAsync(
            app,
            result,
            async (r, options, o, ct) =>
            {
                using var ledger = TokenLedger.Open(options with { ReadOnly = readOnly });
                return await action(r, ledger, o, ct);
            },
            receipts,
            cancellationToken);

    private static async Task<int> RunAsync(CliApp app, ParseResult result, Func<ParseResult, LedgerOptions, CliOutput, CancellationToken, Task<int>> action, bool receipts, CancellationToken cancellationToken)
    {
        var output = new CliOutput(app.Output, app.Error, result.GetValue(CliOptions.Json), app.ErrorIsTerminal);
        try
        {
            var settings = ServeCommand.Settings(result, app.Environment, app.SettingsFolder);
            var options = receipts ? settings.ToSigningLedgerOptions() : settings.ToLedgerOptions();
            return await action(result, options, output, cancellationToken);
        }
        catch (Exception ex) when (Describe(ex) is { } failure)
        {
            // One way out for every expected failure, so --json gets the same error object whatever the exception.
            return await output.FailAsync(failure.Message, failure.ExitCode);
        }
    }

    /// <summary>The message and exit code of an expected failure; null for a bug (which propagates).</summary>
    private static (string Message, int ExitCode)? Describe(Exception ex) => ex switch
    {
        LedgerException ledger => (ledger.Message, ledger.Code == LedgerErrorCode.InvalidArgument ? UsageError : BusinessFailure),
        SettingsException => (ex.Message, UsageError),
        // A ledger that cannot be opened is a problem with the file, not with how the command was written: exit 1.
        LedgerOpenException => ("cycletokens: " + ex.Message, BusinessFailure),
        LedgerUnavailableException => ("cycletokens: " + ex.Message, BusinessFailure),
        Core.Migration.StoreCopyException => ("cycletokens: " + ex.Message, BusinessFailure),
        IOException or UnauthorizedAccessException or InvalidDataException or Microsoft.Data.Sqlite.SqliteException => ("cycletokens: " + ex.Message, BusinessFailure),
        _ => null,
    };
}
