using System.Collections;
using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace CycleTokens.Mcp.Hosting;

/// <summary>
/// Builds <see cref="ServerSettings"/> in the usual .NET order: appsettings.json, environment, command line (later
/// wins). Each value remembers where it came from, so a bad one is reported under the name the operator wrote
/// (<c>--operator</c>, <c>CYCLETOKENS_OPERATOR</c>, <c>Operator in appsettings.json</c>).
/// </summary>
/// <remarks>
/// Bound by hand rather than with the configuration binder: the binder's failures name .NET types
/// (<c>System.Boolean</c>) and configuration paths, and it cannot tell a value given empty from one not given.
/// </remarks>
internal static class SettingsLoader
{
    private const string EnvPrefix = "CYCLETOKENS_";
    private const string FileName = "appsettings.json";

    // The engine's range for budget limits (as for an API key's): 0, a real limit, up to the largest amount.
    private const long MaxTokens = 1_000_000_000_000;

    /// <summary>Loads settings; <paramref name="overrides"/> are the command-line values given (null = not given).</summary>
    /// <exception cref="SettingsException">appsettings.json cannot be read, or a value has the wrong form.</exception>
    public static ServerSettings Load(IReadOnlyDictionary<string, string?> overrides, string? basePath = null, IDictionary? environment = null)
    {
        var file = FromFile(basePath ?? AppContext.BaseDirectory);
        var env = FromEnvironment(environment ?? Environment.GetEnvironmentVariables());
        var settings = new ServerSettings();
        foreach (var name in ServerSettings.Names)
        {
            // Later sources win: flags, then the environment, then the file.
            (string Value, string Source)? given =
                overrides.TryGetValue(name, out var flag) && flag is not null ? (flag, "--" + Kebab(name))
                : env.TryGetValue(name, out var fromEnv) ? fromEnv
                : file.TryGetValue(name, out var fromFile) ? (fromFile, name + " in " + FileName)
                : null;
            if (given is { } value)
            {
                Assign(settings, name, value.Value, value.Source);
            }
        }

        return settings;
    }

    private static void Assign(ServerSettings settings, string name, string value, string source)
    {
        settings.Sources[name] = source;
        switch (name)
        {
            case nameof(ServerSettings.Db): settings.Db = value; break;
            case nameof(ServerSettings.Account): settings.Account = value; break;
            case nameof(ServerSettings.Operator): settings.Operator = Bool(value, source); break;
            case nameof(ServerSettings.Synchronous): settings.Synchronous = value; break;
            case nameof(ServerSettings.MonthTimeZone): settings.MonthTimeZone = value; break;
            case nameof(ServerSettings.PricingFile): settings.PricingFile = value; break;
            case nameof(ServerSettings.RejectUnknownOperations): settings.RejectUnknownOperations = Bool(value, source); break;
            case nameof(ServerSettings.CheckoutBaseUrl): settings.CheckoutBaseUrl = value; break;
            case nameof(ServerSettings.LogFile): settings.LogFile = value; break;
            case nameof(ServerSettings.LogLevel): settings.LogLevel = value; break;
            case nameof(ServerSettings.Http): settings.Http = HttpUrl(value, source); break;
            case nameof(ServerSettings.MaxRequestBytes): settings.MaxRequestBytes = Whole(value, source, 1024, 64L * 1024 * 1024, "bytes"); break;
            case nameof(ServerSettings.RateLimit): settings.RateLimit = (int)Whole(value, source, 1, 1_000_000, "requests per second"); break;
            case nameof(ServerSettings.RateBurst): settings.RateBurst = (int)Whole(value, source, 1, 1_000_000, "requests"); break;
            case nameof(ServerSettings.MaxSessionsPerCredential): settings.MaxSessionsPerCredential = (int)Whole(value, source, 1, 100_000, "sessions"); break;
            case nameof(ServerSettings.SessionIdleMinutes): settings.SessionIdleMinutes = (int)Whole(value, source, 1, 7 * 24 * 60, "minutes"); break;
            case nameof(ServerSettings.ShutdownSeconds): settings.ShutdownSeconds = (int)Whole(value, source, 0, 3600, "seconds"); break;
            case nameof(ServerSettings.JwtAuthority): settings.JwtAuthority = AuthorityUrl(value, source); break;
            case nameof(ServerSettings.JwtAudience): settings.JwtAudience = Word(value, source, "an audience", "https://billing.example.com/mcp"); break;
            case nameof(ServerSettings.JwtAccountClaim): settings.JwtAccountClaim = Word(value, source, "a claim name", "sub"); break;
            case nameof(ServerSettings.ReceiptKeys): settings.ReceiptKeys = FilePath(value, source, "the receipt key file"); break;
            case nameof(ServerSettings.ReceiptIssuer): settings.ReceiptIssuer = Word(value, source, "an issuer name", "https://billing.example.com"); break;
            case nameof(ServerSettings.MaxPerCall): settings.MaxPerCall = Whole(value, source, 0, MaxTokens, "tokens"); break;
            case nameof(ServerSettings.MaxPerDay): settings.MaxPerDay = Whole(value, source, 0, MaxTokens, "tokens"); break;
            case nameof(ServerSettings.ConfirmAbove): settings.ConfirmAbove = Whole(value, source, 0, MaxTokens, "tokens"); break;
            default: throw new InvalidOperationException("no setting " + name);
        }
    }

    private static Uri HttpUrl(string value, string source) =>
        Uri.TryCreate(value.Trim(), UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && url.AbsolutePath == "/" && url.Query.Length == 0
            ? url
            : throw new SettingsException($"{source} must be an http:// or https:// URL with a host and port and no path, such as http://127.0.0.1:8787 (got '{Json.Wire.Shown(value)}')");

    // https only, since the signing keys come from it; plain http only on a loopback address (a local test identity
    // provider), where the JwtBearer handler is told not to require https metadata.
    private static Uri AuthorityUrl(string value, string source) =>
        Uri.TryCreate(value.Trim(), UriKind.Absolute, out var url) && url.Query.Length == 0 && url.Fragment.Length == 0 && url.UserInfo.Length == 0
        && (url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback))
            ? url
            : throw new SettingsException($"{source} must be an https:// URL of the identity provider (its issuer), such as https://login.example.com/realms/cad; http:// only on a loopback address (got '{Json.Wire.Shown(value)}')");

    private static string Word(string value, string source, string what, string example) =>
        value.Trim() is { Length: > 0 and <= 256 } word && !word.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))
            ? word
            : throw new SettingsException($"{source} must be {what} of 1-256 characters without spaces, such as {example} (got '{Json.Wire.Shown(value)}')");

    // Given empty is a mistake (an unset variable in a script), not a request for the default.
    private static string FilePath(string value, string source, string what) =>
        string.IsNullOrWhiteSpace(value) ? throw new SettingsException($"{source} must not be empty: it names {what}") : value;

    private static long Whole(string value, string source, long min, long max, string unit) =>
        long.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
            ? number
            : throw new SettingsException(
                $"{source} must be a whole number of {unit} from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)} (got '{Json.Wire.Shown(value)}')");

    private static bool Bool(string value, string source) =>
        bool.TryParse(value.Trim(), out var flag)
            ? flag
            : throw new SettingsException($"{source} must be true or false (got '{Json.Wire.Shown(value)}')");

    /// <summary>The values of the <c>CycleTokens</c> section of appsettings.json (case-insensitive names).</summary>
    private static Dictionary<string, string> FromFile(string basePath)
    {
        IConfigurationRoot configuration;
        try
        {
            configuration = new ConfigurationBuilder()
                .SetBasePath(basePath)
                .AddJsonFile(FileName, optional: true, reloadOnChange: false)
                .Build();
        }
        catch (InvalidDataException ex)
        {
            // The inner exception is the JSON reader's, with line and position.
            throw new SettingsException($"{Path.Combine(basePath, FileName)} is not valid JSON: {ex.InnerException?.Message ?? ex.Message}");
        }

        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var child in configuration.GetSection(ServerSettings.Section).GetChildren())
        {
            if (child.Value is { } value)
            {
                values[child.Key] = value;
            }
        }

        return values;
    }

    // CYCLETOKENS_MONTH_TIME_ZONE → MonthTimeZone (names are case-insensitive, underscores are word breaks).
    private static Dictionary<string, (string Value, string Source)> FromEnvironment(IDictionary environment)
    {
        var values = new Dictionary<string, (string, string)>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string key && entry.Value is string value
                && key.StartsWith(EnvPrefix, StringComparison.OrdinalIgnoreCase) && key.Length > EnvPrefix.Length)
            {
                values[key[EnvPrefix.Length..].Replace("_", string.Empty, StringComparison.Ordinal)] = (value, key);
            }
        }

        return values;
    }

    // LogFile → log-file: the flag a setting has, when it has one.
    private static string Kebab(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString(CultureInfo.InvariantCulture)));
}
