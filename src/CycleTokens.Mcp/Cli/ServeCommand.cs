using System.CommandLine;
using CycleTokens.Core;
using CycleTokens.Mcp.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Serilog;

namespace CycleTokens.Mcp.Cli;

/// <summary><c>cycletokens serve</c> (also the default): the stdio MCP server.</summary>
internal static class ServeCommand
{
    // The settings that choose a stdio session's account and role; over HTTP each request's credential does.
    private static readonly string[] StdioOnly = ["Account", "Operator"];

    public static readonly Option<string?> Db = new("--db") { Description = "The ledger: a SQLite file (default: ledger.db under the user's data directory) or a PostgreSQL database as postgresql://user@host:port/database (env CYCLETOKENS_DB).", Recursive = true };
    public static readonly Option<string?> Account = new("--account") { Description = "The user account this agent session bills (default: local; env CYCLETOKENS_ACCOUNT)." };
    public static readonly Option<bool?> Operator = new("--operator") { Description = "Operator mode: adds the operator tools and an account argument on every tool (env CYCLETOKENS_OPERATOR)." };

    public static readonly Option<string?> ReceiptKeys = new("--receipt-keys") { Description = "The receipt signing key file, created with a new key on first use, readable only by its owner (default: <ledger>.receipt-keys.json beside the ledger; env CYCLETOKENS_RECEIPT_KEYS).", Recursive = true };
    public static readonly Option<string?> ReceiptIssuer = new("--receipt-issuer") { Description = "The issuer (iss) signed receipts name, e.g. the server's public URL (default cycletokens; env CYCLETOKENS_RECEIPT_ISSUER).", Recursive = true };

    public static readonly Option<string?> LogFile = new("--log-file") { Description = "Also log to this rolling file (env CYCLETOKENS_LOG_FILE)." };

    public static readonly Option<string?> Http = new("--http") { Description = "Serve MCP over Streamable HTTP at this URL, e.g. http://127.0.0.1:8787, instead of stdio; each request's credential (API key, or JWT with --jwt-authority) decides its account and role (env CYCLETOKENS_HTTP)." };

    public static readonly Option<string?> MaxRequestBytes = new("--max-request-bytes") { Description = "HTTP: the largest request body in bytes, 413 above it (default 1048576; env CYCLETOKENS_MAX_REQUEST_BYTES)." };
    public static readonly Option<string?> RateLimit = new("--rate-limit") { Description = "HTTP: requests per second per credential, 429 above it (default 50; env CYCLETOKENS_RATE_LIMIT)." };
    public static readonly Option<string?> RateBurst = new("--rate-burst") { Description = "HTTP: requests a credential may make at once before the rate applies (default 100; env CYCLETOKENS_RATE_BURST)." };
    public static readonly Option<string?> MaxSessionsPerCredential = new("--max-sessions-per-credential") { Description = "HTTP: sessions one credential may hold open (default 16; env CYCLETOKENS_MAX_SESSIONS_PER_CREDENTIAL)." };
    public static readonly Option<string?> SessionIdleMinutes = new("--session-idle-minutes") { Description = "HTTP: a session with no request for this long is closed (default 30; env CYCLETOKENS_SESSION_IDLE_MINUTES)." };
    public static readonly Option<string?> ShutdownSeconds = new("--shutdown-seconds") { Description = "HTTP: how long a stop waits for requests in flight (default 10; env CYCLETOKENS_SHUTDOWN_SECONDS)." };

    public static readonly Option<string?> JwtAuthority = new("--jwt-authority") { Description = "HTTP: also accept JWT bearer tokens from this OAuth issuer (https; http only on loopback), keys from its OpenID discovery document; needs --jwt-audience (env CYCLETOKENS_JWT_AUTHORITY)." };
    public static readonly Option<string?> JwtAudience = new("--jwt-audience") { Description = "HTTP: the audience a JWT must be issued for; needs --jwt-authority (env CYCLETOKENS_JWT_AUDIENCE)." };
    public static readonly Option<string?> JwtAccountClaim = new("--jwt-account-claim") { Description = "HTTP: the JWT claim naming the account a token bills (default sub; env CYCLETOKENS_JWT_ACCOUNT_CLAIM)." };

    public static readonly Option<string?> MaxPerCall = new("--max-per-call") { Description = "Budget: refuse a single debit above this many tokens (stdio; over HTTP, for JWT credentials: API keys have their own; env CYCLETOKENS_MAX_PER_CALL)." };
    public static readonly Option<string?> MaxPerDay = new("--max-per-day") { Description = "Budget: refuse debits past this many tokens per UTC day (stdio; over HTTP, for JWT credentials; env CYCLETOKENS_MAX_PER_DAY)." };
    public static readonly Option<string?> ConfirmAbove = new("--confirm-above") { Description = "Budget: ask the user (MCP elicitation) before a debit above this many tokens (stdio; over HTTP, for JWT credentials; env CYCLETOKENS_CONFIRM_ABOVE)." };

    // Limits and the JWT settings: meaningful only with --http.
    private static readonly Option<string?>[] HttpOnlyOptions =
        [MaxRequestBytes, RateLimit, RateBurst, MaxSessionsPerCredential, SessionIdleMinutes, ShutdownSeconds, JwtAuthority, JwtAudience, JwtAccountClaim];

    public static Command Create()
    {
        var command = new Command("serve", "Run the stdio MCP server (the default command).");
        AddServeOptions(command);
        command.SetAction((result, ct) => RunAsync(result, ct));
        return command;
    }

    /// <summary>Adds --db and the receipt key options (inherited by every subcommand) and the serve options to the root command.</summary>
    public static void AddOptions(Command command)
    {
        command.Options.Add(Db);
        command.Options.Add(ReceiptKeys);
        command.Options.Add(ReceiptIssuer);
        AddServeOptions(command);
    }

    private static void AddServeOptions(Command command)
    {
        command.Options.Add(Account);
        command.Options.Add(Operator);
        command.Options.Add(LogFile);
        command.Options.Add(Http);
        command.Options.Add(MaxPerCall);
        command.Options.Add(MaxPerDay);
        command.Options.Add(ConfirmAbove);
        foreach (var option in HttpOnlyOptions)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The settings from appsettings.json (in <paramref name="basePath"/>), the environment and the flags.</summary>
    /// <exception cref="SettingsException">A setting has the wrong form.</exception>
    public static ServerSettings Settings(ParseResult result, System.Collections.IDictionary? environment = null, string? basePath = null) => SettingsLoader.Load(
        new Dictionary<string, string?>
        {
            ["Db"] = result.GetValue(Db),
            ["Account"] = result.GetValue(Account),
            ["Operator"] = result.GetValue(Operator) is { } op ? (op ? "true" : "false") : null,
            ["LogFile"] = result.GetValue(LogFile),
            ["Http"] = result.GetValue(Http),
            ["MaxRequestBytes"] = result.GetValue(MaxRequestBytes),
            ["RateLimit"] = result.GetValue(RateLimit),
            ["RateBurst"] = result.GetValue(RateBurst),
            ["MaxSessionsPerCredential"] = result.GetValue(MaxSessionsPerCredential),
            ["SessionIdleMinutes"] = result.GetValue(SessionIdleMinutes),
            ["ShutdownSeconds"] = result.GetValue(ShutdownSeconds),
            ["JwtAuthority"] = result.GetValue(JwtAuthority),
            ["JwtAudience"] = result.GetValue(JwtAudience),
            ["JwtAccountClaim"] = result.GetValue(JwtAccountClaim),
            ["ReceiptKeys"] = result.GetValue(ReceiptKeys),
            ["ReceiptIssuer"] = result.GetValue(ReceiptIssuer),
            ["MaxPerCall"] = result.GetValue(MaxPerCall),
            ["MaxPerDay"] = result.GetValue(MaxPerDay),
            ["ConfirmAbove"] = result.GetValue(ConfirmAbove),
        },
        basePath,
        environment);

    private static string ServeOption(string setting) => setting switch
    {
        "MaxPerCall" => MaxPerCall.Name,
        "MaxPerDay" => MaxPerDay.Name,
        _ => ConfirmAbove.Name,
    };

    public static async Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
    {
        ServerSettings settings;
        LedgerOptions options;
        Mcp.Http.JwtSettings? jwt;
        try
        {
            // Every setting is checked before anything starts: a bad one exits 2 (as tools.md promises) and a refused
            // start does not create or migrate the ledger file.
            settings = Settings(result);
            // The server always signs receipts: the key file is created on first start.
            options = settings.ToSigningLedgerOptions();
            Core.Accounts.AccountNames.ValidateUser(settings.Account);
            if (settings.Http is not null && StdioOnly.Where(settings.Sources.ContainsKey).Select(settings.Named).ToList() is [_, ..] given)
            {
                // Name only what was given: "--account does not apply", not a setting the operator never wrote.
                throw new SettingsException(
                    $"{string.Join(" and ", given)} {(given.Count == 1 ? "does" : "do")} not apply with {settings.Named("Http")}: each request's API key decides its account and role");
            }

            if (settings.Http is null && ServerSettings.HttpOnly.FirstOrDefault(settings.Sources.ContainsKey) is { } httpOnly)
            {
                throw new SettingsException($"{settings.Named(httpOnly)} applies only to the HTTP server: give --http URL (or CYCLETOKENS_HTTP) as well, or leave it out");
            }

            jwt = settings.ToJwtSettings();
            if (settings.Http is not null && jwt is null && ServerSettings.BudgetSettings.FirstOrDefault(settings.Sources.ContainsKey) is { } budget)
            {
                throw new SettingsException($"{settings.Named(budget)} applies over HTTP only to JWT credentials (give --jwt-authority and --jwt-audience); an API key carries its own budget: cycletokens keys update KEY_ID {ServeOption(budget)} N");
            }

            Log.Logger = Logging.Create(settings);
        }
        catch (Exception ex) when (ex is SettingsException or LedgerException)
        {
            await Console.Error.WriteLineAsync("cycletokens: " + ex.Message);
            return LedgerCommand.UsageError;
        }

        try
        {
            using var ledger = TokenLedger.Open(options, TimeProvider.System, logger: new Serilog.Extensions.Logging.SerilogLoggerFactory(Log.Logger).CreateLogger("CycleTokens.Core"));
            Log.Information("Signing receipts as {Issuer} with key {Kid} from {ReceiptKeys}", options.ReceiptIssuer, ledger.ReceiptKeys!.CurrentKid, ledger.ReceiptKeys.Path);

            if (settings.Http is { } url)
            {
                await Mcp.Http.HttpServer.RunAsync(ledger, url, settings.ToHttpLimits(), jwt, cancellationToken);
                return 0;
            }

            // An empty builder: no appsettings/args binding and no console logger on stdout — stdout is the protocol.
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Services.AddSerilog(Log.Logger, dispose: false);
            var unanswered = new UnansweredRequests();
            builder.Services.AddCycleTokensMcp(ledger, new ServerMode(settings.Account, settings.Operator) { Budget = settings.ToBudget() }, unanswered).WithStdioServerTransport();
            // The SDK's stdio transport over an input that holds the end of input back until every request read has
            // been answered (see DrainingInput); it replaces the registration's own, which is never created.
            var transport = new TaskCompletionSource<ITransport>(TaskCreationOptions.RunContinuationsAsynchronously);
            builder.Services.Replace(ServiceDescriptor.Singleton<ITransport>(services =>
            {
                var created = new StreamServerTransport(
                    new DrainingInput(Console.OpenStandardInput(), unanswered, transport.Task, TimeProvider.System),
                    new BufferedStream(Console.OpenStandardOutput()),
                    "cycletokens",
                    services.GetService<Microsoft.Extensions.Logging.ILoggerFactory>());
                transport.SetResult(created);
                return created;
            }));
            using var host = builder.Build();
            Log.Information("Serving {Mode} MCP on stdio for {Account} with ledger {Database}", settings.Operator ? "operator" : "agent", settings.Account, ledger.DatabasePath);
            if (settings.ToBudget() is { } budget && budget != Core.Keys.KeyBudget.None)
            {
                Log.Information("Budget: max_per_call {MaxPerCall}, max_per_day {MaxPerDay}, confirm_above {ConfirmAbove} tokens", budget.MaxPerCall, budget.MaxPerDay, budget.ConfirmAbove);
            }

            await host.RunAsync(cancellationToken);
            var locks = ledger.WriteLockStatistics;
            Log.Information(
                "Write lock this session: {Writes} writes; waited p50 {WaitP50} us, p99 {WaitP99} us, max {WaitMax} us; held p50 {HeldP50} us, p99 {HeldP99} us, max {HeldMax} us",
                locks.Writes,
                (long)locks.WaitP50.TotalMicroseconds,
                (long)locks.WaitP99.TotalMicroseconds,
                (long)locks.WaitMax.TotalMicroseconds,
                (long)locks.HeldP50.TotalMicroseconds,
                (long)locks.HeldP99.TotalMicroseconds,
                (long)locks.HeldMax.TotalMicroseconds);
            return 0;
        }
        catch (Exception ex) when (ex is SettingsException or LedgerException or LedgerUnavailableException or InvalidDataException or IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            Log.Fatal("Could not start: {Reason}", ex.Message);
            return 1;
        }
        finally
        {
            await Log.CloseAndFlushAsync();
        }
    }
}
