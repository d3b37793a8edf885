using CycleTokens.Core;
using CycleTokens.Mcp.Http;

namespace CycleTokens.Mcp.Hosting;

/// <summary>
/// Settings of a <c>cycletokens</c> process, bound from the <c>CycleTokens</c> section of appsettings.json,
/// then <c>CYCLETOKENS_*</c> environment variables, then the command line (later wins).
/// </summary>
internal sealed class ServerSettings
{
    public const string Section = "CycleTokens";

    /// <summary>Every setting's name, as in appsettings.json.</summary>
    public static readonly IReadOnlyList<string> Names =
    [
        nameof(Db), nameof(Account), nameof(Operator), nameof(Synchronous), nameof(MonthTimeZone), nameof(PricingFile),
        nameof(RejectUnknownOperations), nameof(CheckoutBaseUrl), nameof(LogFile), nameof(LogLevel), nameof(Http),
        nameof(MaxRequestBytes), nameof(RateLimit), nameof(RateBurst), nameof(MaxSessionsPerCredential), nameof(SessionIdleMinutes),
        nameof(ShutdownSeconds), nameof(JwtAuthority), nameof(JwtAudience), nameof(JwtAccountClaim), nameof(ReceiptKeys),
        nameof(ReceiptIssuer),
        nameof(MaxPerCall), nameof(MaxPerDay), nameof(ConfirmAbove),
    ];

    /// <summary>The budget settings: a stdio server's own, or over HTTP every JWT credential's (API keys carry theirs).</summary>
    public static readonly IReadOnlyList<string> BudgetSettings = [nameof(MaxPerCall), nameof(MaxPerDay), nameof(ConfirmAbove)];

    /// <summary>The settings that only the HTTP server has (service.md §1 limits, §2 OAuth resource server).</summary>
    public static readonly IReadOnlyList<string> HttpOnly =
    [
        nameof(MaxRequestBytes), nameof(RateLimit), nameof(RateBurst), nameof(MaxSessionsPerCredential), nameof(SessionIdleMinutes),
        nameof(ShutdownSeconds), nameof(JwtAuthority), nameof(JwtAudience), nameof(JwtAccountClaim),
    ];

    /// <summary>The ledger file; a file under the user's data directory when not given (given empty is an error).</summary>
    public string? Db { get; set; }

    /// <summary>Where each given setting came from (<c>--db</c>, <c>CYCLETOKENS_DB</c>, <c>Db in appsettings.json</c>).</summary>
    public Dictionary<string, string> Sources { get; } = new(StringComparer.Ordinal);

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

    /// <summary>Serve MCP over Streamable HTTP at this URL (e.g. <c>http://127.0.0.1:8787</c>) instead of stdio.</summary>
    public Uri? Http { get; set; }

    /// <summary>HTTP: the largest request body in bytes (413 above it).</summary>
    public long MaxRequestBytes { get; set; } = HttpLimits.Default.MaxRequestBodyBytes;

    /// <summary>HTTP: each credential's sustained requests per second (429 above it).</summary>
    public int RateLimit { get; set; } = HttpLimits.Default.RequestsPerSecond;

    /// <summary>HTTP: how many requests a credential may make at once before the rate applies.</summary>
    public int RateBurst { get; set; } = HttpLimits.Default.Burst;

    /// <summary>HTTP: how many sessions one credential may hold open at once.</summary>
    public int MaxSessionsPerCredential { get; set; } = HttpLimits.Default.SessionsPerCredential;

    /// <summary>HTTP: minutes a session may go without a request before it is closed.</summary>
    public int SessionIdleMinutes { get; set; } = (int)HttpLimits.Default.IdleSessionTimeout.TotalMinutes;

    /// <summary>HTTP: seconds a stop (SIGTERM) waits for requests in flight.</summary>
    public int ShutdownSeconds { get; set; } = (int)HttpLimits.Default.ShutdownTimeout.TotalSeconds;

    /// <summary>HTTP: the OAuth authority (issuer) whose JWT bearer tokens are accepted beside API keys; none when null.</summary>
    public Uri? JwtAuthority { get; set; }

    /// <summary>HTTP: the audience a JWT must be issued for; given together with <see cref="JwtAuthority"/>.</summary>
    public string? JwtAudience { get; set; }

    /// <summary>HTTP: the JWT claim that names the account a token bills.</summary>
    public string JwtAccountClaim { get; set; } = JwtSettings.DefaultAccountClaim;

    /// <summary>The receipt key file; <c>&lt;ledger&gt;.receipt-keys.json</c> when not given (a PostgreSQL ledger, which has no file, must name one).</summary>
    public string? ReceiptKeys { get; set; }

    /// <summary>The <c>iss</c> receipts carry: which ledger signed them.</summary>
    public string ReceiptIssuer { get; set; } = LedgerOptions.DefaultReceiptIssuer;

    /// <summary>The receipt key file of the ledger at <paramref name="databasePath"/>: the configured one, else beside the ledger.</summary>
    /// <exception cref="SettingsException">The ledger is on PostgreSQL and no key file is named.</exception>
    public string ReceiptKeyFile(string databasePath) =>
        ReceiptKeys ?? (LedgerOptions.IsPostgresLocation(databasePath)
            // Hosts sharing a database must publish the same keys, so the file is the operator's to place on each.
            ? throw new SettingsException("--receipt-keys (or CYCLETOKENS_RECEIPT_KEYS) is required with a PostgreSQL ledger: it has no file to keep the receipt key beside; give every host the same key file")
            : databasePath + ".receipt-keys.json");

    /// <summary>As <see cref="ToLedgerOptions"/>, for a ledger that signs receipts: with the receipt key file.</summary>
    /// <exception cref="SettingsException">A value is invalid; nothing has been opened.</exception>
    public LedgerOptions ToSigningLedgerOptions()
    {
        var options = ToLedgerOptions();
        return options with { ReceiptKeysPath = ReceiptKeyFile(options.DatabasePath) };
    }

    /// <summary>Budget: the largest single debit in tokens, or null for no limit.</summary>
    public long? MaxPerCall { get; set; }

    /// <summary>Budget: the most debited per UTC day in tokens, or null for no limit.</summary>
    public long? MaxPerDay { get; set; }

    /// <summary>Budget: debits above this many tokens ask the human first, or null for never.</summary>
    public long? ConfirmAbove { get; set; }

    /// <summary>The budget these settings give (agent-billing spec §2).</summary>
    public Core.Keys.KeyBudget ToBudget() => new(MaxPerCall, MaxPerDay, ConfirmAbove);

    /// <summary>The HTTP server's limits from these settings.</summary>
    public HttpLimits ToHttpLimits() => new(
        MaxRequestBytes, RateLimit, RateBurst, TimeSpan.FromMinutes(SessionIdleMinutes), TimeSpan.FromSeconds(ShutdownSeconds), MaxSessionsPerCredential);

    /// <summary>The OAuth resource-server settings; null when no JWT setting is given.</summary>
    /// <exception cref="SettingsException">Only one of authority and audience is given, or the claim without them.</exception>
    public JwtSettings? ToJwtSettings()
    {
        if (JwtAuthority is null && JwtAudience is null)
        {
            return Sources.ContainsKey(nameof(JwtAccountClaim))
                ? throw new SettingsException($"{Named(nameof(JwtAccountClaim))} applies only with --jwt-authority and --jwt-audience: give both, or leave it out")
                : null;
        }

        // One without the other would accept tokens from any issuer, or issued for any resource: refused rather than guessed.
        if (JwtAuthority is null)
        {
            throw new SettingsException($"{Named(nameof(JwtAudience))} needs --jwt-authority (or CYCLETOKENS_JWT_AUTHORITY) as well: tokens are accepted only from a named issuer");
        }

        return JwtAudience is null
            ? throw new SettingsException($"{Named(nameof(JwtAuthority))} needs --jwt-audience (or CYCLETOKENS_JWT_AUDIENCE) as well: tokens are accepted only when issued for this server")
            : new JwtSettings(JwtAuthority, JwtAudience, JwtAccountClaim) { Budget = ToBudget() };
    }

    public static string DefaultDatabasePath() =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "cycletokens", "ledger.db");

    /// <summary>The name under which the operator gave a setting (its flag, variable or appsettings.json key).</summary>
    public string Named(string setting) => Sources.TryGetValue(setting, out var source) ? source : setting;

    /// <summary>Turns the settings into engine options; a bad value fails with a message naming the setting.</summary>
    /// <exception cref="SettingsException">A value is invalid; nothing has been opened.</exception>
    public LedgerOptions ToLedgerOptions()
    {
        // Not given means the default file; given empty is a mistake (an unset variable in a script), not a request for it.
        if (Db is not null && string.IsNullOrWhiteSpace(Db))
        {
            throw new SettingsException($"{Named(nameof(Db))} must not be empty (db names the ledger file)");
        }

        var options = new LedgerOptions
        {
            DatabasePath = Db ?? DefaultDatabasePath(),
            Synchronous = Synchronous.ToUpperInvariant() switch
            {
                "FULL" => SynchronousMode.Full,
                "NORMAL" => SynchronousMode.Normal,
                _ => throw new SettingsException($"{Named(nameof(Synchronous))} must be FULL or NORMAL (got '{Json.Wire.Shown(Synchronous)}')"),
            },
            PricingFile = string.IsNullOrWhiteSpace(PricingFile) ? null : PricingFile,
            RejectUnknownOperations = RejectUnknownOperations,
            ReceiptIssuer = ReceiptIssuer,
        };

        if (options.PricingFile is { } pricing)
        {
            // Read here as well as by the engine so that a missing or broken price list is a bad setting (exit 2), told
            // apart from a ledger file that cannot be opened.
            try
            {
                _ = Core.Pricing.PriceCatalog.Load(pricing);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                throw new SettingsException($"{Named(nameof(PricingFile))} names a price list that cannot be used: {ex.Message}");
            }
        }

        if (!string.IsNullOrWhiteSpace(MonthTimeZone))
        {
            try
            {
                options = options with { MonthTimeZone = TimeZoneInfo.FindSystemTimeZoneById(MonthTimeZone) };
            }
            catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                throw new SettingsException($"{Named(nameof(MonthTimeZone))} must be a known IANA time zone such as Europe/Berlin (got '{Json.Wire.Shown(MonthTimeZone)}')");
            }
        }

        if (!string.IsNullOrWhiteSpace(CheckoutBaseUrl))
        {
            options = Uri.TryCreate(CheckoutBaseUrl, UriKind.Absolute, out var url)
                ? options with { CheckoutBaseUrl = url }
                : throw new SettingsException($"{Named(nameof(CheckoutBaseUrl))} must be an absolute URL such as https://pay.example.com/checkout (got '{Json.Wire.Shown(CheckoutBaseUrl)}')");
        }

        return options;
    }
}
