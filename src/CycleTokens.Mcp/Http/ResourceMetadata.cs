using Microsoft.AspNetCore.Http;

namespace CycleTokens.Mcp.Http;

/// <summary>RFC 9728 protected resource metadata: where it is served and what it says.</summary>
internal static class ResourceMetadata
{
    /// <summary>The well-known path of the metadata.</summary>
    public const string Path = "/.well-known/oauth-protected-resource";

    /// <summary>The one scope the server knows: it makes a JWT an operator's.</summary>
    public const string OperatorScope = "cycletokens:operator";

    /// <summary>The absolute URL of the metadata for the host the request came to.</summary>
    public static string Url(HttpRequest request) => $"{request.Scheme}://{request.Host}{Path}";

    /// <summary>The protected resource: the MCP endpoint on the host the request came to.</summary>
    public static string Resource(HttpRequest request) => $"{request.Scheme}://{request.Host}{HttpServer.McpPath}";
}
