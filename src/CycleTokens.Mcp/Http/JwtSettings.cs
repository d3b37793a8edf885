namespace CycleTokens.Mcp.Http;

/// <summary>
/// The optional OAuth 2.1 resource-server mode (service.md §2): JWT bearer tokens from one identity provider are
/// accepted beside API keys.
/// </summary>
/// <param name="Authority">
/// The identity provider's issuer URL. Its OpenID discovery document (<c>/.well-known/openid-configuration</c>) names the
/// issuer tokens must carry and the JWKS their signatures are checked against. https, or http on a loopback address.
/// </param>
/// <param name="Audience">The <c>aud</c> a token must carry: tokens issued for another resource are refused.</param>
/// <param name="AccountClaim">The claim whose value is the account a token bills; it must be a valid user account id.</param>
internal sealed record JwtSettings(Uri Authority, string Audience, string AccountClaim)
{
    /// <summary>The account claim when none is configured: the token's subject.</summary>
    public const string DefaultAccountClaim = "sub";

    /// <summary>
    /// The budget of every JWT credential (each subject counts its own day), from the server's budget flags: an identity
    /// provider's token has no budget of its own, unlike an API key. None by default.
    /// </summary>
    public Core.Keys.KeyBudget Budget { get; init; } = Core.Keys.KeyBudget.None;

    /// <summary>The authority as the operator wrote it (no slash added), as RFC 9728 metadata lists it.</summary>
    public string Issuer => Authority.OriginalString;

    /// <summary>
    /// True unless the authority is a plain-http loopback address: the signing keys must not be fetched over a
    /// connection anyone on the path could alter, but a local identity provider (tests, development) has no path.
    /// The settings refuse plain http anywhere else.
    /// </summary>
    public bool RequireHttpsMetadata => !(Authority.Scheme == Uri.UriSchemeHttp && Authority.IsLoopback);
}
