using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CycleTokens.Mcp.Http;

/// <summary>
/// The authentication schemes of the HTTP server: API keys always; with <see cref="JwtSettings"/>, also JWT bearer
/// tokens through ASP.NET Core's JwtBearer handler, chosen per request by a policy scheme.
/// </summary>
internal static class Credentials
{
    /// <summary>The policy scheme that forwards each request to the scheme its credential belongs to.</summary>
    public const string SelectorScheme = "Credential";

    // The public form of an API key (ApiKeySecret.Prefix in Core); a JWT starts with "eyJ" (a base64url JSON header).
    private const string KeyPrefix = "ctk_";

    /// <summary>Adds authentication (and authorization) for API keys, and for JWTs when <paramref name="jwt"/> is given.</summary>
    public static void AddCredentials(this IServiceCollection services, JwtSettings? jwt)
    {
        var authentication = services
            .AddAuthentication(jwt is null ? ApiKeyAuthenticationHandler.SchemeName : SelectorScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();
        services.AddSingleton<RecentKeys>();
        if (jwt is null)
        {
            return;
        }

        services.AddSingleton(jwt);
        services.AddSingleton<JwtCredentialEvents>();
        authentication
            .AddPolicyScheme(SelectorScheme, null, policy => policy.ForwardDefaultSelector = SchemeOf)
            .AddJwtBearer(bearer =>
            {
                // Issuer, signing keys: from the authority's discovery document and JWKS, fetched and refreshed by the
                // handler. Audience, lifetime (with the handler's default clock skew) and signature are checked by it.
                bearer.Authority = jwt.Issuer;
                bearer.Audience = jwt.Audience;
                bearer.RequireHttpsMetadata = jwt.RequireHttpsMetadata;
                // Claims keep their names in the token (sub, scope, scp), not the WS-Federation URIs they would map to.
                bearer.MapInboundClaims = false;
                bearer.EventsType = typeof(JwtCredentialEvents);
            });
    }

    // Bearer ctk_… is an API key, any other bearer credential a JWT. No credential, or another scheme, goes to the API
    // key handler, which answers it as before.
    private static string SchemeOf(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            && header.AsSpan("Bearer ".Length).Trim() is { Length: > 0 } credential
            && !credential.StartsWith(KeyPrefix, StringComparison.Ordinal)
                ? JwtBearerDefaults.AuthenticationScheme
                : ApiKeyAuthenticationHandler.SchemeName;
    }
}
