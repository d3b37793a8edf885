using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// A small OAuth identity provider on a real Kestrel loopback port: its OpenID discovery document and a JWKS with one
/// RSA key generated for the test, and tokens signed with that key (or, to be refused, with another).
/// </summary>
internal sealed class TestIdentityProvider : IAsyncDisposable
{
    public const string Audience = "https://cycletokens.test/mcp";
    private const string KeyId = "test-key-1";

    private readonly WebApplication _app;
    private readonly RSA _rsa;
    private readonly RSA _otherRsa = RSA.Create(2048);
    private readonly JsonWebTokenHandler _handler = new();

    private TestIdentityProvider(WebApplication app, RSA rsa, string issuer)
    {
        _app = app;
        _rsa = rsa;
        Issuer = issuer;
    }

    /// <summary>The issuer: the authority URL, as its discovery document names it.</summary>
    public string Issuer { get; }

    /// <summary>The server's settings for this provider.</summary>
    public Mcp.Http.JwtSettings Settings(string accountClaim = Mcp.Http.JwtSettings.DefaultAccountClaim) => new(new Uri(Issuer), Audience, accountClaim);

    public static async Task<TestIdentityProvider> StartAsync()
    {
        var rsa = RSA.Create(2048);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        string? issuer = null;
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = issuer!,
            ["jwks_uri"] = issuer + "/jwks",
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        }));
        app.MapGet("/jwks", () =>
        {
            var key = rsa.ExportParameters(includePrivateParameters: false);
            return Results.Json(new Dictionary<string, object>
            {
                ["keys"] = new[]
                {
                    new Dictionary<string, string>
                    {
                        ["kty"] = "RSA",
                        ["use"] = "sig",
                        ["alg"] = "RS256",
                        ["kid"] = KeyId,
                        ["n"] = Base64UrlEncoder.Encode(key.Modulus),
                        ["e"] = Base64UrlEncoder.Encode(key.Exponent),
                    },
                },
            });
        });
        await app.StartAsync();
        issuer = app.Urls.First().TrimEnd('/');
        return new TestIdentityProvider(app, rsa, issuer);
    }

    /// <summary>A token for <paramref name="subject"/> signed with the published key; each argument can spoil it.</summary>
    /// <param name="subject">The <c>sub</c>; none when null.</param>
    /// <param name="claims">More claims (scope, an account claim...).</param>
    /// <param name="issuer">The <c>iss</c>; this provider's when null.</param>
    /// <param name="audience">The <c>aud</c>; the server's when null.</param>
    /// <param name="expired">Valid for an hour that ended an hour ago.</param>
    /// <param name="otherKey">Signed with a key the provider never published, under the published key's id.</param>
    /// <param name="unsigned">No signature at all (<c>alg: none</c>).</param>
    public string Token(
        string? subject,
        IDictionary<string, object>? claims = null,
        string? issuer = null,
        string? audience = null,
        bool expired = false,
        bool otherKey = false,
        bool unsigned = false)
    {
        var now = DateTime.UtcNow;
        var all = new Dictionary<string, object>(claims ?? new Dictionary<string, object>(), StringComparer.Ordinal)
        {
            // A fresh id each time: two tokens of one subject are two different tokens, as after a refresh.
            ["jti"] = Guid.NewGuid().ToString("N"),
        };
        if (subject is not null)
        {
            all["sub"] = subject;
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience ?? Audience,
            Claims = all,
            IssuedAt = expired ? now.AddHours(-2) : now,
            NotBefore = expired ? now.AddHours(-2) : now,
            Expires = expired ? now.AddHours(-1) : now.AddMinutes(10),
            SigningCredentials = unsigned ? null : new SigningCredentials(new RsaSecurityKey(otherKey ? _otherRsa : _rsa) { KeyId = KeyId }, SecurityAlgorithms.RsaSha256),
        };
        return _handler.CreateToken(descriptor);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _rsa.Dispose();
        _otherRsa.Dispose();
    }
}
