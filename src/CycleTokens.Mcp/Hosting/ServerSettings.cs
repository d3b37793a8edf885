using CycleTokens.Core;

namespace CycleTokens.Mcp.Hosting;

/// <summary>
/// Settings of a <c>cycletokens</c> process, bound from the <c>CycleTokens</c> section of appsettings.json,
/// then <c>CYCLETOKENS_*</c> environment variables, then the command line (later wins).
/// </summary>
internal sealed class ServerSettings
{
    public const string Section = "CycleTokens";

    /// <summary>The ledger file; a file under the user's data directory when empty.</summary>
    public string? Db { get; set; }

    /// <summary>The user account this agent session bills.</summary>
    public string Account { get; set; } = "local";

    /// <summary>Adds the operator tools and the account argument.</summary>
    public bool Operator { get; set; }

    /// <summary>FULL (default) or NORMAL.</summary>
    public string Synchronous { get; set; } = "FULL";

    /// <summary>IANA time zone of the allowance month; UTC when empty.</summary>
    public string? MonthTimeZone { get; set; }

    /// <summary>A replacement pricing.json.</summary>
    public string? PricingFile { get; set; }

    /// <summary>Reject operations missing from the catalogue instead of pricing them at the default.</summary>
    public bool RejectUnknownOperations { get; set; }

    /// <summary>Base of card checkout links.</summary>
    public string? CheckoutBaseUrl { get; set; }

    /// <summary>A rolling log file in addition to stderr, when set.</summary>
    public string? LogFile { get; set; }

    /// <summary>Minimum log level: Verbose, Debug, Information, Warning, Error, Fatal.</summary>
    public string LogLevel { get; set; } = "Information";

    public static string DefaultDatabasePath() =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "cycletokens", "ledger.db");

    /// <summary>Turns the settings into engine options; a bad value fails with a message naming the setting.</summary>
    public LedgerOptions ToLedgerOptions()
    {
        var options = new LedgerOptions
        {
            DatabasePath = string.IsNullOrWhiteSpace(Db) ? DefaultDatabasePath() : Db,
            Synchronous = Synchronous.ToUpperInvariant() switch
            {
                "FULL" => SynchronousMode.Full,
                "NORMAL" => SynchronousMode.Normal,
                _ => throw new SettingsException($"synchronous must be FULL or NORMAL (got '{Synchronous}')"),
            },
            PricingFile = string.IsNullOrWhiteSpace(PricingFile) ? null : PricingFile,
            RejectUnknownOperations = RejectUnknownOperations,
        };

        if (!string.IsNullOrWhiteSpace(MonthTimeZone))
        {
            try
            {
                options = options with { MonthTimeZone = TimeZoneInfo.FindSystemTimeZoneById(MonthTimeZone) };
            }
            catch (TimeZoneNotFoundException)
            {
                throw new SettingsException($"month time zone '{MonthTimeZone}' is not a known IANA time zone");
            }
        }

        if (!string.IsNullOrWhiteSpace(CheckoutBaseUrl))
        {
            options = Uri.TryCreate(CheckoutBaseUrl, UriKind.Absolute, out var url)
                ? options with { CheckoutBaseUrl = url }
                : throw new SettingsException($"checkout base URL '{CheckoutBaseUrl}' is not an absolute URL");
        }

        return options;
    }
}
