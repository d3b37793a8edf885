using Microsoft.AspNetCore.Http;

namespace CycleTokens.Mcp.Http;

/// <summary>
/// The one 401 every credential scheme answers with: <c>WWW-Authenticate: Bearer resource_metadata="…"</c> (RFC 9728,
/// as the MCP authorization spec asks) and a JSON body that says no more than that the credential was refused.
/// </summary>
internal static class Challenge
{
    /// <summary>The only failure text a client sees: it does not say whether a key or account exists, nor why a token failed.</summary>
    public const string Refusal = "invalid or expired credential";

    /// <summary>The text for a request with no credential at all.</summary>
    public const string Required = "a credential is required: Authorization: Bearer <key>";

    /// <summary>Writes the 401; <paramref name="refused"/> when a credential was presented and refused.</summary>
    public static async Task WriteAsync(HttpContext context, bool refused)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status401Unauthorized;
        response.Headers.WWWAuthenticate = $"Bearer resource_metadata=\"{ResourceMetadata.Url(context.Request)}\"";
        response.ContentType = "application/json";
        await response.WriteAsync("{\"error\":\"" + (refused ? Refusal : Required) + "\"}", context.RequestAborted);
    }

    /// <summary>Writes the 503 of a credential that could not be checked because the ledger is unavailable.</summary>
    public static async Task WriteUnavailableAsync(HttpContext context, string message)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.Headers.RetryAfter = "1";
        response.ContentType = "application/json";
        await response.WriteAsync(Json.Wire.Text(new System.Text.Json.Nodes.JsonObject { ["error"] = message }), context.RequestAborted);
    }
}
