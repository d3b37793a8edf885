using System.Security.Claims;
using CycleTokens.Core;
using CycleTokens.Core.Accounts;
using CycleTokens.Mcp.Hosting;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Logging;

namespace CycleTokens.Mcp.Http;

/// <summary>
/// The JwtBearer handler's events: a token the handler has validated (issuer, audience, lifetime, signature) becomes
/// the same three claims an API key gives; a refused token gets the same 401 as a refused key.
/// </summary>
/// <remarks>
/// Sessions are bound to the credential id (<see cref="ClaimTypes.NameIdentifier"/>), here <c>jwt:</c> + issuer +
/// subject. Not the token itself: access tokens are short-lived and a client refreshes them during a session, so a
/// refreshed token of the same subject continues the session. Not the account: when the account claim is not the
/// subject (an organisation, a tenant), another person of the same account must not take a session over. The issuer
/// keeps the id apart from API key ids (<c>key_…</c>) and from the same subject at another identity provider.
/// Rate and session limits count per credential id too, so per subject.
/// </remarks>
internal sealed partial class JwtCredentialEvents(JwtSettings settings, ILogger<JwtCredentialEvents> logger) : JwtBearerEvents
{
    private const string SubjectClaim = "sub";

    // RFC 8693 / RFC 9068 name the space-separated list "scope"; some providers (Entra ID) put it in "scp", as a
    // space-separated string or as an array, which the token handler turns into one claim per entry.
    private static readonly string[] ScopeClaims = ["scope", "scp"];

    /// <inheritdoc/>
    public override Task TokenValidated(TokenValidatedContext context)
    {
        var token = context.Principal!;
        var subjects = token.FindAll(SubjectClaim).Select(c => c.Value).ToList();
        var accounts = token.FindAll(settings.AccountClaim).Select(c => c.Value).ToList();
        if (subjects is not [{ Length: > 0 } subject])
        {
            return Refuse(context, "no single subject");
        }

        // An array names several accounts: which one to bill would be a guess, so none is.
        if (accounts is not [var account])
        {
            return Refuse(context, accounts.Count == 0 ? "no account claim" : "several account claims");
        }

        if (!IsUserAccount(account))
        {
            return Refuse(context, "account claim is not a user account id");
        }

        var role = token.FindAll(c => ScopeClaims.Contains(c.Type))
            .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Contains(ResourceMetadata.OperatorScope, StringComparer.Ordinal)
            ? Callers.OperatorRole
            : Callers.AgentRole;

        // Only these claims, as for an API key: nothing else in the token can reach a tool or the session binding. A
        // token carries no budget of its own; the server's budget flags are every JWT credential's.
        context.Principal = new ClaimsPrincipal(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, "jwt:" + context.SecurityToken.Issuer + " " + subject),
                new Claim(Callers.AccountClaim, account),
                new Claim(Callers.RoleClaim, role),
                .. BudgetClaims.Of(settings.Budget),
            ],
            context.Scheme.Name));
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override Task AuthenticationFailed(AuthenticationFailedContext context)
    {
        // The kind of failure (expired, wrong audience, bad signature...) only: never the token or its claims.
        var failure = context.Exception.GetType().Name;
        LogRefused(logger, failure, context.Request.Path);

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override Task Challenge(JwtBearerChallengeContext context)
    {
        // Instead of the handler's own answer, whose error_description would tell the client why its token failed.
        context.HandleResponse();
        return Http.Challenge.WriteAsync(context.HttpContext, refused: context.AuthenticateFailure is not null);
    }

    private Task Refuse(TokenValidatedContext context, string reason)
    {
        LogRefused(logger, reason, context.Request.Path);
        context.Fail(Http.Challenge.Refusal);
        return Task.CompletedTask;
    }

    // The ledger's own rule for user accounts: a token cannot bill a payee, a system account, an escrow or a hold.
    private static bool IsUserAccount(string account)
    {
        try
        {
            AccountNames.ValidateUser(account);
            return true;
        }
        catch (LedgerException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a JWT ({Failure}) for {Path}")]
    private static partial void LogRefused(ILogger logger, string failure, Microsoft.AspNetCore.Http.PathString path);
}
