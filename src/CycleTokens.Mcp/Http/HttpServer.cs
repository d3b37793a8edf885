using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Threading.RateLimiting;
using CycleTokens.Core;
using CycleTokens.Mcp.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.AspNetCore;
using Serilog;

namespace CycleTokens.Mcp.Http;

/// <summary>
/// <c>cycletokens serve --http URL</c>: MCP over Streamable HTTP on Kestrel with the SDK's ASP.NET Core transport,
/// one process for every account's agents. The account and role of each request come only from its credential.
/// </summary>
internal static class HttpServer
{
    /// <summary>The MCP endpoint.</summary>
    public const string McpPath = "/mcp";

    /// <summary>The receipt keys as a JWK Set, unauthenticated (agent-billing spec §3).</summary>
    public const string JwksPath = "/.well-known/jwks.json";

    private const string SessionHeader = "Mcp-Session-Id";
    private const string ProtocolVersionHeader = "MCP-Protocol-Version";
    private const string FirstPerRequestRevision = "2026-07-28";

    /// <summary>Builds the server on <paramref name="url"/> (port 0 picks a free one), not yet started.</summary>
    /// <param name="ledger">The ledger every request reads and writes.</param>
    /// <param name="url">Where to listen: scheme, host and port.</param>
    /// <param name="limits">Body size, rates, sessions, idle and stop times.</param>
    /// <param name="log">Where the server logs (never stdout).</param>
    /// <param name="contentRoot">The content root (appsettings.json, Kestrel configuration); the program's folder when null.</param>
    /// <param name="time">The clock idle sessions are measured by; the system's when null.</param>
    /// <param name="jwt">The OAuth resource-server mode: JWTs from this issuer accepted beside API keys; API keys only when null.</param>
    public static WebApplication Build(
        TokenLedger ledger, Uri url, HttpLimits limits, Serilog.ILogger log, string? contentRoot = null, TimeProvider? time = null, JwtSettings? jwt = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = contentRoot ?? AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog(log, dispose: false);
        builder.WebHost.UseUrls(url.GetLeftPart(UriPartial.Authority));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = limits.MaxRequestBodyBytes);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = limits.ShutdownTimeout);

        builder.Services.AddCredentials(jwt);
        builder.Services.AddRateLimiter(rate =>
        {
            rate.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => RateLimitPartition.GetTokenBucketLimiter(
                Partition(context),
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = limits.Burst,
                    TokensPerPeriod = limits.RequestsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            rate.OnRejected = async (rejected, cancellationToken) =>
            {
                var response = rejected.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                var retry = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
                response.Headers.RetryAfter = retry.ToString(CultureInfo.InvariantCulture);
                response.ContentType = "application/json";
                await response.WriteAsync($$"""{"error":"rate limit exceeded: at most {{limits.RequestsPerSecond}} requests per second per credential (burst {{limits.Burst}}); retry after {{retry}} s"}""", cancellationToken);
            };
        });

        builder.Services.AddSingleton(limits);
        builder.Services.AddSingleton<SessionOwners>();
        builder.Services.AddCycleTokensMcp(ledger, mode: null).WithHttpTransport(transport =>
        {
            // 2025-11-25 clients get a session (and with it resource subscriptions); 2026-07-28 clients are served per request.
            transport.SessionMode = HttpServerSessionMode.StatefulForInitializeClients;
#pragma warning disable MCPEXP002, MCP9006 // The session's own loop, wrapped to know who owns it and when it ends; the idle timeout of legacy sessions.
            transport.RunSessionHandler = (context, server, cancellationToken) =>
                context.RequestServices.GetRequiredService<SessionOwners>().RunAsync(context, server, cancellationToken);
            transport.IdleTimeout = limits.IdleSessionTimeout;
            transport.TimeProvider = time ?? TimeProvider.System;
#pragma warning restore MCPEXP002, MCP9006
        });

        var app = builder.Build();
        app.UseAuthentication();
        app.Use(RefuseOthersSessions);
        app.UseRateLimiter();
        app.UseAuthorization();
        app.Use(LimitSessions);

        app.MapGet("/healthz", new RequestDelegate(context => context.Response.WriteAsync("ok", context.RequestAborted)));
        app.MapGet("/readyz", new RequestDelegate(ReadyAsync));
        app.MapGet(ResourceMetadata.Path, new RequestDelegate(MetadataAsync));
        app.MapGet(JwksPath, new RequestDelegate(JwksAsync));
        app.MapMcp(McpPath).RequireAuthorization();
        return app;
    }

    /// <summary>Runs the server until the host stops (SIGTERM, Ctrl+C).</summary>
    public static async Task RunAsync(TokenLedger ledger, Uri url, HttpLimits limits, JwtSettings? jwt, CancellationToken cancellationToken)
    {
        await using var app = Build(ledger, url, limits, Log.Logger, jwt: jwt);
        Log.Information(
            "Serving MCP over HTTP at {Url}{Path} with ledger {Database}; limits: body {MaxRequestBytes} B, {RateLimit}/s per credential (burst {RateBurst}), {Sessions} sessions per credential, idle {Idle}, stop {Shutdown}",
            url.GetLeftPart(UriPartial.Authority),
            McpPath,
            ledger.DatabasePath,
            limits.MaxRequestBodyBytes,
            limits.RequestsPerSecond,
            limits.Burst,
            limits.SessionsPerCredential,
            limits.IdleSessionTimeout,
            limits.ShutdownTimeout);
        if (jwt is not null)
        {
            Log.Information("Also accepting JWT bearer tokens from {Authority} for audience {Audience}; account from claim {AccountClaim}", jwt.Issuer, jwt.Audience, jwt.AccountClaim);
        }

        await app.StartAsync(cancellationToken);
        await app.WaitForShutdownAsync(cancellationToken);
    }

    // Authenticated requests share a bucket per key; the others (refused anyway) one per client address.
    private static string Partition(HttpContext context) =>
        context.User.FindFirst(ClaimTypes.NameIdentifier)?.Value is { } key
            ? "key:" + key
            : "addr:" + context.Connection.RemoteIpAddress;

    private static Task RefuseOthersSessions(HttpContext context, RequestDelegate next)
    {
        if (context.Request.Headers.TryGetValue(SessionHeader, out var id) && id.ToString() is { Length: > 0 } sessionId
            && context.User.Identity?.IsAuthenticated == true
            && context.RequestServices.GetRequiredService<SessionOwners>().IsSomeoneElses(sessionId, context.User))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync("""{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}""", context.RequestAborted);
        }

        return next(context);
    }

    // A POST with no session id from a client of the initialize handshake may open a session: it must find a place
    // among the credential's sessions first. 2026-07-28 requests (per-request metadata) never open one.
    private static async Task LimitSessions(HttpContext context, RequestDelegate next)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || context.Request.Path != McpPath
            || context.Request.Headers.ContainsKey(SessionHeader) || ServedPerRequest(context.Request))
        {
            await next(context);
            return;
        }

        var owners = context.RequestServices.GetRequiredService<SessionOwners>();
        if (!await owners.TryOpenAsync(context, next))
        {
            var limit = context.RequestServices.GetRequiredService<HttpLimits>().SessionsPerCredential;
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(
                $$"""{"error":"too many sessions: at most {{limit}} open sessions per credential; close one (DELETE {{McpPath}} with its Mcp-Session-Id) or let an idle one expire"}""",
                context.RequestAborted);
        }
    }

    // Revisions are dates, so they order as text; 2026-07-28 is the first served per request.
    private static bool ServedPerRequest(HttpRequest request) =>
        request.Headers.TryGetValue(ProtocolVersionHeader, out var version)
        && string.CompareOrdinal(version.ToString(), FirstPerRequestRevision) >= 0;

    private static async Task ReadyAsync(HttpContext context)
    {
        var ledger = context.RequestServices.GetRequiredService<TokenLedger>();
        try
        {
            await ledger.ListAccountsAsync(limit: 1, cancellationToken: context.RequestAborted);
            await context.Response.WriteAsync("ready", context.RequestAborted);
        }
#pragma warning disable CA1031 // Any failure to read the ledger means not ready; the cause goes to the log, not the client.
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested)
#pragma warning restore CA1031
        {
            Log.Warning(ex, "Not ready: the ledger could not be read");
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsync("ledger unavailable", context.RequestAborted);
        }
    }

    // Anyone holding a receipt may check it: no credential, as the keys are public.
    private static async Task JwksAsync(HttpContext context)
    {
        var keys = await Resources.ResourceCatalog.ReceiptKeysAsync(context.RequestServices.GetRequiredService<TokenLedger>(), context.RequestAborted);
        context.Response.ContentType = Resources.ResourceCatalog.JwkSetMimeType;
        // Keys change only by rotation, and verifiers that meet an unknown kid fetch the set again (jose does).
        context.Response.Headers.CacheControl = "public, max-age=300";
        await context.Response.WriteAsync(keys.ToJson(), context.RequestAborted);
    }

    private static async Task MetadataAsync(HttpContext context)
    {
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("resource", ResourceMetadata.Resource(context.Request));
        json.WriteStartArray("authorization_servers");
        if (context.RequestServices.GetService<JwtSettings>() is { } jwt)
        {
            json.WriteStringValue(jwt.Issuer);
        }

        json.WriteEndArray();
        json.WriteStartArray("scopes_supported");
        json.WriteStringValue(ResourceMetadata.OperatorScope);
        json.WriteEndArray();
        json.WriteStartArray("bearer_methods_supported");
        json.WriteStringValue("header");
        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}
