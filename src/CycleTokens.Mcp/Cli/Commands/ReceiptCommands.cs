using System.CommandLine;
using System.Text.Json.Nodes;
using CycleTokens.Core.Receipts;
using CycleTokens.Mcp.Hosting;
using static CycleTokens.Mcp.Cli.CliOptions;

namespace CycleTokens.Mcp.Cli.Commands;

/// <summary>receipts verify|rotate: checking signed receipts offline, and rotating the key that signs them.</summary>
internal static class ReceiptCommands
{
    public static IEnumerable<Command> Create(CliApp app) =>
        [new Command("receipts", "Signed receipts: check one offline, or rotate the signing key.") { ReceiptVerifyCommand.Create(app), RotateCommand(app) }];

    private static Command RotateCommand(CliApp app)
    {
        var command = new Command(
            "rotate",
            "Make a new receipt signing key current. Earlier keys stay listed (public part only), so receipts they signed "
            + "still verify. Safe while servers run: they publish the new key at once and sign with it once restarted.");
        command.SetAction((result, ct) => RotateAsync(app, result, ct));
        return command;
    }

    private static async Task<int> RotateAsync(CliApp app, ParseResult result, CancellationToken cancellationToken)
    {
        var output = new CliOutput(app.Output, app.Error, result.GetValue(CliOptions.Json), app.ErrorIsTerminal);
        string path;
        try
        {
            var settings = ServeCommand.Settings(result, app.Environment, app.SettingsFolder);
            path = Path.GetFullPath(settings.ReceiptKeyFile(settings.ToLedgerOptions().DatabasePath));
        }
        catch (SettingsException ex)
        {
            return await output.FailAsync(ex.Message, LedgerCommand.UsageError);
        }

        // Rotating a file that is not there would make one with two keys; it is made by the first start instead.
        if (!File.Exists(path))
        {
            return await output.FailAsync($"cycletokens: there is no receipt key file at {path}; the server creates it when it first starts (or name it with --receipt-keys).", LedgerCommand.BusinessFailure);
        }

        try
        {
            using var keys = await ReceiptKeyRing.OpenAsync(path, cancellationToken);
            var previous = keys.CurrentKid;
            await keys.RotateAsync(cancellationToken);
            output.Record(new JsonObject
            {
                ["key_file"] = keys.Path,
                ["kid"] = keys.CurrentKid,
                ["previous_kid"] = previous,
                ["keys"] = keys.PublicKeySet().Keys.Count,
            });
            return LedgerCommand.Ok;
        }
        catch (ReceiptKeyException ex)
        {
            return await output.FailAsync("cycletokens: " + ex.Message, LedgerCommand.BusinessFailure);
        }
    }
}
