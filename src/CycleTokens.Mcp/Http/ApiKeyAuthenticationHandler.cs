using System.Security.Claims;
using System.Text.Encodings.Web;
using CycleTokens.Core;
using CycleTokens.Core.Keys;
using CycleTokens.Mcp.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CycleTokens.Mcp.Http;

/// <summary>
/// <c>Authorization: Bearer ctk_…</c>: looks the key up in the ledger on every request, so a revocation (by this host
/// or another sharing the ledger) is effective on the very next request, also for sessions already open. The
/// principal carries the key id (the user id the SDK binds sessions to), the key's account, its role and its budget
/// (so a budget change, too, applies from the next request).
/// </summary>
internal sealed partial class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggerFactory, UrlEncoder encoder, TokenLedger ledger)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    /// <summary>The scheme's name.</summary>
    public const string SchemeName = "ApiKey";

    /// <summary>The only failure text a client sees: it does not say whether a key exists.</summary>
    public const string Refusal = Challenge.Refusal;

    private const string FailureItem = "cycletokens:auth-failure";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            return AuthenticateResult.NoResult();
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Fail(KeyAuthFailure.Malformed);
        }

        var outcome = await ledger.AuthenticateAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (!outcome.Succeeded)
        {
            return Fail(outcome.Failure ?? KeyAuthFailure.Unknown);
        }

        var key = outcome.Key;
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, key.Id),
                new Claim(Callers.AccountClaim, key.Account),
                new Claim(Callers.RoleClaim, key.Role == KeyRole.Operator ? Callers.OperatorRole : Callers.AgentRole),
                .. BudgetClaims.Of(key.Budget),
            ],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        Challenge.WriteAsync(Context, refused: Context.Items.ContainsKey(FailureItem));

    private AuthenticateResult Fail(KeyAuthFailure failure)
    {
        // The log names the kind of failure, never the secret; the client only learns that it failed.
        LogRefused(Logger, failure, Request.Path);
        Context.Items[FailureItem] = failure;
        return AuthenticateResult.Fail(Refusal);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a credential ({Failure}) for {Path}")]
    private static partial void LogRefused(ILogger logger, KeyAuthFailure failure, PathString path);
}
