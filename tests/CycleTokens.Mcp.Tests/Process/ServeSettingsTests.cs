using CycleTokens.Core.Tests.Support;
using CycleTokens.Mcp.Tests.Support;

namespace CycleTokens.Mcp.Tests.Process;

/// <summary>
/// <c>cycletokens serve</c> with a bad setting, from a flag or the environment: exit 2 (as the docs promise), the
/// setting named in the operator's terms on stderr, nothing on stdout, no ledger file created.
/// </summary>
public sealed class ServeSettingsTests
{
    [Theory]
    [InlineData("CYCLETOKENS_SYNCHRONOUS", "sometimes", "CYCLETOKENS_SYNCHRONOUS must be FULL or NORMAL (got 'sometimes')")]
    [InlineData("CYCLETOKENS_MONTH_TIME_ZONE", "Mars/Olympus", "CYCLETOKENS_MONTH_TIME_ZONE must be a known IANA time zone")]
    [InlineData("CYCLETOKENS_LOG_LEVEL", "loud", "CYCLETOKENS_LOG_LEVEL must be one of Verbose, Debug, Information, Warning, Error, Fatal (got 'loud')")]
    [InlineData("CYCLETOKENS_OPERATOR", "maybe", "CYCLETOKENS_OPERATOR must be true or false (got 'maybe')")]
    [InlineData("CYCLETOKENS_ACCOUNT", "bad account!", "account must be 1-64 characters")]
    [InlineData("CYCLETOKENS_DB", "", "CYCLETOKENS_DB must not be empty")]
    [InlineData("CYCLETOKENS_RATE_LIMIT", "100", "CYCLETOKENS_RATE_LIMIT applies only to the HTTP server: give --http URL")]
    [InlineData("CYCLETOKENS_JWT_AUTHORITY", "https://login.example.com", "CYCLETOKENS_JWT_AUTHORITY applies only to the HTTP server: give --http URL")]
    [InlineData("CYCLETOKENS_MAX_SESSIONS_PER_CREDENTIAL", "lots", "CYCLETOKENS_MAX_SESSIONS_PER_CREDENTIAL must be a whole number of sessions from 1 to 100000 (got 'lots')")]
    [InlineData("CYCLETOKENS_RECEIPT_KEYS", "", "CYCLETOKENS_RECEIPT_KEYS must not be empty: it names the receipt key file")]
    [InlineData("CYCLETOKENS_RECEIPT_ISSUER", "my ledger", "CYCLETOKENS_RECEIPT_ISSUER must be an issuer name of 1-256 characters without spaces")]
    [InlineData("CYCLETOKENS_MAX_PER_DAY", "lots", "CYCLETOKENS_MAX_PER_DAY must be a whole number of tokens from 0 to 1000000000000 (got 'lots')")]
    [InlineData("CYCLETOKENS_CONFIRM_ABOVE", "-5", "CYCLETOKENS_CONFIRM_ABOVE must be a whole number of tokens from 0 to 1000000000000 (got '-5')")]
    public async Task BadEnvironmentSetting_ExitsTwo_NamingIt(string variable, string value, string expected)
    {
        using var folder = new TempFolder();
        var info = ServerProcess.Server("serve");
        info.Environment[variable] = value;
        if (variable != "CYCLETOKENS_DB")
        {
            info.Environment["CYCLETOKENS_DB"] = folder.File("ledger.db");
        }

        await AssertRefusedAsync(folder, info, expected);
    }

    [Theory]
    [InlineData("--db must not be empty", "--db", "")]
    [InlineData("account must be 1-64 characters", "--account", "bad account!")]
    [InlineData("--rate-limit must be a whole number of requests per second from 1 to 1000000 (got '0')", "--http", "http://127.0.0.1:1", "--rate-limit", "0")]
    [InlineData("--max-request-bytes must be a whole number of bytes from 1024 to 67108864 (got '1e6')", "--http", "http://127.0.0.1:1", "--max-request-bytes", "1e6")]
    [InlineData("--session-idle-minutes applies only to the HTTP server", "--session-idle-minutes", "5")]
    [InlineData("--jwt-authority must be an https:// URL of the identity provider (its issuer), such as https://login.example.com/realms/cad; http:// only on a loopback address (got 'login.example.com')", "--http", "http://127.0.0.1:1", "--jwt-authority", "login.example.com", "--jwt-audience", "api")]
    [InlineData("--jwt-authority must be an https:// URL of the identity provider", "--http", "http://127.0.0.1:1", "--jwt-authority", "http://login.example.com", "--jwt-audience", "api")]
    [InlineData("--jwt-audience needs --jwt-authority (or CYCLETOKENS_JWT_AUTHORITY) as well", "--http", "http://127.0.0.1:1", "--jwt-audience", "api")]
    [InlineData("--jwt-authority needs --jwt-audience (or CYCLETOKENS_JWT_AUDIENCE) as well", "--http", "http://127.0.0.1:1", "--jwt-authority", "https://login.example.com")]
    [InlineData("--jwt-audience must be an audience of 1-256 characters without spaces", "--http", "http://127.0.0.1:1", "--jwt-authority", "https://login.example.com", "--jwt-audience", "my api")]
    [InlineData("--jwt-account-claim applies only with --jwt-authority and --jwt-audience", "--http", "http://127.0.0.1:1", "--jwt-account-claim", "org")]
    [InlineData("--jwt-authority applies only to the HTTP server", "--jwt-authority", "https://login.example.com", "--jwt-audience", "api")]
    [InlineData("--receipt-keys must not be empty: it names the receipt key file", "--receipt-keys", " ")]
    [InlineData("--receipt-issuer must be an issuer name of 1-256 characters without spaces", "--receipt-issuer", "")]
    [InlineData("--max-per-call must be a whole number of tokens from 0 to 1000000000000 (got '1.5')", "--max-per-call", "1.5")]
    [InlineData("--max-per-day must be a whole number of tokens from 0 to 1000000000000 (got '1000000000001')", "--max-per-day", "1000000000001")]
    [InlineData("--confirm-above applies over HTTP only to JWT credentials (give --jwt-authority and --jwt-audience); an API key carries its own budget: cycletokens keys update KEY_ID --confirm-above N", "--http", "http://127.0.0.1:1", "--confirm-above", "100")]
    [InlineData("--account does not apply with --http: each request's API key decides its account and role", "--http", "http://127.0.0.1:1", "--account", "alice")]
    [InlineData("--account and --operator do not apply with --http: each request's API key decides its account and role", "--http", "http://127.0.0.1:1", "--account", "alice", "--operator")]
    public async Task BadFlag_ExitsTwo_NamingIt(string expected, params string[] args)
    {
        using var folder = new TempFolder();
        string[] arguments = args.Contains("--db") ? args : [.. args, "--db", folder.File("ledger.db")];

        await AssertRefusedAsync(folder, ServerProcess.Server(["serve", .. arguments]), expected);
    }

    private static async Task AssertRefusedAsync(TempFolder folder, System.Diagnostics.ProcessStartInfo info, string expected)
    {
        // The default ledger, should anything fall back to it, is inside the test's folder.
        info.Environment["XDG_DATA_HOME"] = folder.File("data");
        info.Environment["HOME"] = folder.Path;
        await using var server = ServerProcess.Start(info);
        server.CloseInput();
        var exitCode = await server.WaitForExitAsync();

        Assert.Equal(2, exitCode);
        Assert.Empty(server.StdoutLines);
        Assert.Contains(server.StderrLines, l => l.Contains(expected, StringComparison.Ordinal));
        Assert.DoesNotContain(server.StderrLines, l => l.Contains("System.", StringComparison.Ordinal));
        Assert.False(File.Exists(folder.File("ledger.db")));
        Assert.False(Directory.Exists(folder.File("data")));
    }
}
