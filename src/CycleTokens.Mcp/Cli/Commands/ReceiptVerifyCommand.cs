using System.CommandLine;
using CycleTokens.Core;
using CycleTokens.Core.Receipts;
using CycleTokens.Mcp.Hosting;
using CycleTokens.Mcp.Json;
using static CycleTokens.Mcp.Cli.CliOptions;

namespace CycleTokens.Mcp.Cli.Commands;

/// <summary>
/// <c>receipts verify [FILE|-]</c>: checks a receipt's signature offline against the receipt key file's public keys
/// (or a JWK Set file), and, when a ledger is named, that the journal holds the transaction with those figures.
/// </summary>
/// <remarks>
/// Exit codes: 0 the receipt is valid (and matches the ledger when one is named); 1 it is not to be trusted (the
/// reason on stderr, the report on stdout); 2 it could not be checked as asked (bad arguments or settings, or the
/// receipt, the keys or the ledger could not be read).
/// </remarks>
internal static class ReceiptVerifyCommand
{
    // A receipt is a few hundred characters; reading stops well past anything a receipt could be.
    private const int MaxReceiptChars = 64 * 1024;

    public static Command Create(CliApp app)
    {
        var file = new Argument<string>("file")
        {
            Description = "A file holding the receipt (the compact JWS a tool result's receipt field holds), or - for standard input (the default).",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => "-",
        };
        var keys = Text("--keys", "Check against this JWK Set file (e.g. saved from GET /.well-known/jwks.json) instead of the receipt key file.");
        var command = new Command(
            "verify",
            "Check a signed receipt offline: its signature against the receipt key file's public keys (or --keys), and, "
            + "when a ledger is named (--db or CYCLETOKENS_DB), that the journal holds the transaction with exactly those figures. "
            + "Exit 0 valid, 1 not valid, 2 could not check. Reads the ledger read-only; creates nothing.")
        {
            file, keys,
        };
        command.SetAction((result, ct) => RunAsync(app, result, result.GetRequiredValue(file), result.GetValue(keys), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliApp app, ParseResult result, string file, string? keysFile, CancellationToken cancellationToken)
    {
        var output = new CliOutput(app.Output, app.Error, result.GetValue(CliOptions.Json), app.ErrorIsTerminal);
        ServerSettings settings;
        LedgerOptions options;
        try
        {
            settings = ServeCommand.Settings(result, app.Environment, app.SettingsFolder);
            options = settings.ToLedgerOptions();
        }
        catch (SettingsException ex)
        {
            return await output.FailAsync(ex.Message, LedgerCommand.UsageError);
        }

        var (receipt, receiptProblem) = await ReadReceiptAsync(app, file, cancellationToken);
        var (keys, keysProblem) = await ReadKeysAsync(keysFile, settings.ReceiptKeyFile(options.DatabasePath), cancellationToken);
        if ((receiptProblem ?? keysProblem) is { } problem)
        {
            return await output.FailAsync("cycletokens: " + problem, LedgerCommand.UsageError);
        }

        var verification = ReceiptVerifier.Verify(receipt!, keys!);
        ReceiptLedgerCheck? ledger = null;
        if (verification.Claims is { } claims && settings.Sources.ContainsKey(nameof(ServerSettings.Db)))
        {
            try
            {
                using var reader = TokenLedger.Open(options with { ReadOnly = true });
                ledger = await reader.CheckReceiptAsync(claims, cancellationToken);
            }
            catch (Exception ex) when (ex is LedgerOpenException or IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
            {
                return await output.FailAsync($"cycletokens: the receipt's signature is valid, but the ledger could not be read to check its figures: {ex.Message}", LedgerCommand.UsageError);
            }
        }

        Report(output, verification, ledger);
        if (!verification.IsValid)
        {
            await output.Error.WriteLineAsync($"The receipt is not valid: {ReceiptJson.Why(verification.Outcome)}.");
            return LedgerCommand.BusinessFailure;
        }

        if (ledger is { Matches: false })
        {
            await output.Error.WriteLineAsync($"The receipt is signed but does not match the ledger {options.DatabasePath}: {string.Join("; ", ledger.Problems)}.");
            return LedgerCommand.BusinessFailure;
        }

        return LedgerCommand.Ok;
    }

    private static void Report(CliOutput output, ReceiptVerification verification, ReceiptLedgerCheck? ledger)
    {
        if (output.Json)
        {
            output.WriteJson(ReceiptJson.Report(verification, ledger));
            return;
        }

        if (verification.Claims is { } claims)
        {
            output.Record(ReceiptJson.Claims(claims));
        }

        output.Out.WriteLine($"signature: {ReceiptJson.Outcome(verification.Outcome)}");
        if (ledger is not null)
        {
            output.Out.WriteLine(ledger.Matches ? "ledger: matches" : "ledger: does not match");
            foreach (var problem in ledger.Problems)
            {
                output.Out.WriteLine("problem: " + problem);
            }
        }
    }

    /// <summary>The receipt's text, or why it cannot be read.</summary>
    private static async Task<(string? Receipt, string? Problem)> ReadReceiptAsync(CliApp app, string file, CancellationToken cancellationToken)
    {
        try
        {
            if (file == "-")
            {
                return (await ReadBoundedAsync(app.Input, cancellationToken), null);
            }

            using var reader = new StreamReader(file);
            return (await ReadBoundedAsync(reader, cancellationToken), null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, $"the receipt file {file} cannot be read: {ex.Message}");
        }
    }

    private static async Task<string> ReadBoundedAsync(TextReader reader, CancellationToken cancellationToken)
    {
        var buffer = new char[MaxReceiptChars + 1];
        var read = 0;
        int last;
        while (read < buffer.Length && (last = await reader.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0)
        {
            read += last;
        }

        // Surrounding whitespace (a final newline from echo or an editor) is not part of the token. Text cut off here
        // is still longer than the verifier accepts, so it is reported malformed.
        return new string(buffer, 0, read).Trim();
    }

    /// <summary>The keys to check against (the JWK Set file, else the key file's public keys), or why they cannot be read.</summary>
    private static async Task<(JwkSet? Keys, string? Problem)> ReadKeysAsync(string? keysFile, string keyRingFile, CancellationToken cancellationToken)
    {
        if (keysFile is null)
        {
            try
            {
                return (await ReceiptKeyRing.LoadPublicKeysAsync(keyRingFile, cancellationToken), null);
            }
            catch (ReceiptKeyException ex)
            {
                return (null, $"{ex.Message} Name the key file with --receipt-keys, or check against a JWK Set with --keys.");
            }
        }

        try
        {
            return (JwkSet.Parse(await File.ReadAllTextAsync(keysFile, cancellationToken)), null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, $"the JWK Set file {keysFile} cannot be read: {ex.Message}");
        }
        catch (FormatException ex)
        {
            return (null, $"{keysFile} is not a usable JWK Set: {ex.Message}");
        }
    }
}
