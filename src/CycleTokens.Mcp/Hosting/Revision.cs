using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CycleTokens.Mcp.Hosting;

/// <summary>Which protocol revision a request speaks: 2026-07-28 and later carry it (and capabilities) on each request.</summary>
internal static class Revision
{
    public const string FirstPerRequest = "2026-07-28";

    /// <summary>True for a 2026-07-28 (or later) request: no session state, capabilities in its <c>_meta</c>.</summary>
    public static bool IsPerRequest(MessageContext context)
    {
        var request = context.JsonRpcMessage as JsonRpcRequest;
        var version = request?.Context?.ProtocolVersion ?? context.Server.NegotiatedProtocolVersion;
        return string.CompareOrdinal(version, FirstPerRequest) >= 0;
    }

    /// <summary>
    /// What the client declared it can do for this request: on 2026-07-28 the request's own <c>_meta</c> (also over
    /// stateless HTTP, where the request-scoped server reports none), before that the session's <c>initialize</c>.
    /// </summary>
    public static ClientCapabilities? Capabilities(MessageContext context) =>
        IsPerRequest(context)
            ? (context.JsonRpcMessage as JsonRpcRequest)?.Context?.ClientCapabilities ?? context.Server.ClientCapabilities
            : context.Server.ClientCapabilities;
}
