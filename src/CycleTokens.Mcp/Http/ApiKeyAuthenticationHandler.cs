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
/// <remarks>
/// When the ledger's database is unavailable the key cannot be looked up. A key this process found valid before
/// (<see cref="RecentKeys"/>) is then let through unverified, so its client's calls reach MCP and come back as tool
/// errors saying to retry (nothing reaches the ledger with it); any other key is answered 503 with the same message
/// and <c>Retry-After</c>, never a 500.
/// </remarks>
internal sealed partial class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggerFactory, UrlEncoder encoder, TokenLedger ledger, RecentKeys recent)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    /// <summary>The scheme's name.</summary>
    public const string SchemeName = "ApiKey";

    /// <summary>The only failure text a client sees: it does not say whether a key exists.</summary>
    public const string Refusal = Challenge.Refusal;

    private const string FailureItem = "cycletokens:auth-failure";
    private const string UnavailableItem = "cycletokens:ledger-unavailable";

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

        var secret = header["Bearer ".Length..].Trim();
        KeyAuthentication outcome;
        try
        {
            outcome = await ledger.AuthenticateAsync(secret, Context.RequestAborted);
        }
        catch (LedgerUnavailableException unavailable)
        {
            return Unchecked(secret, unavailable);
        }

        if (!outcome.Succeeded)
        {
            recent.Forget(secret);
            return Fail(outcome.Failure ?? KeyAuthFailure.Unknown);
        }

        recent.Remember(secret, outcome.Key);
        return Success(outcome.Key, unverified: false);
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        Context.Items.TryGetValue(UnavailableItem, out var message)
            ? Challenge.WriteUnavailableAsync(Context, (string)message!)
            : Challenge.WriteAsync(Context, refused: Context.Items.ContainsKey(FailureItem));

    private static AuthenticateResult Success(ApiKey key, bool unverified)
    {
        List<Claim> claims =
        [
            new Claim(ClaimTypes.NameIdentifier, key.Id),
            new Claim(Callers.AccountClaim, key.Account),
            new Claim(Callers.RoleClaim, key.Role == KeyRole.Operator ? Callers.OperatorRole : Callers.AgentRole),
            .. BudgetClaims.Of(key.Budget),
        ];
        if (unverified)
        {
            claims.Add(new Claim(Callers.UnverifiedClaim, "true"));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }

    /// <summary>The ledger could not be asked: a key valid when last checked goes on unverified, any other gets a 503.</summary>
    private AuthenticateResult Unchecked(string secret, LedgerUnavailableException unavailable)
    {
        if (recent.Recall(secret, TimeProvider.GetUtcNow()) is { } known)
        {
            LogUnverified(Logger, known.Id, Request.Path);
            return Success(known, unverified: true);
        }

        LogUnavailable(Logger, unavailable, Request.Path);
        Context.Items[UnavailableItem] = unavailable.Message;
        return AuthenticateResult.Fail(unavailable.Message);
    }

    private AuthenticateResult Fail(KeyAuthFailure failure)
    {
        // The log names the kind of failure, never the secret; the client only learns that it failed.
        LogRefused(Logger, failure, Request.Path);
        Context.Items[FailureItem] = failure;
        return AuthenticateResult.Fail(Refusal);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The ledger is unavailable: key {KeyId} was let through unverified for {Path}, to be told to retry")]
    private static partial void LogUnverified(ILogger logger, string keyId, PathString path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The ledger is unavailable: a credential could not be checked for {Path}; answered 503")]
    private static partial void LogUnavailable(ILogger logger, Exception exception, PathString path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a credential ({Failure}) for {Path}")]
    private static partial void LogRefused(ILogger logger, KeyAuthFailure failure, PathString path);
}
