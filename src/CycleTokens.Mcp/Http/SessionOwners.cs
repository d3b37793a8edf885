using System.Collections.Concurrent;
using System.Security.Claims;
using CycleTokens.Mcp.Resources;
using Microsoft.AspNetCore.Http;
using ModelContextProtocol.Server;

namespace CycleTokens.Mcp.Http;

/// <summary>
/// Which credential opened each HTTP session, so that a session id presented with another credential is refused as
/// if the session did not exist (404): the SDK also refuses it, but with a 403 that tells the caller the id is live.
/// </summary>
internal sealed class SessionOwners(SubscriptionHub hub)
{
    private readonly ConcurrentDictionary<string, string> _owners = new(StringComparer.Ordinal);

    /// <summary>The SDK's per-session loop, wrapped: the session is owned while it runs.</summary>
    public async Task RunAsync(HttpContext context, McpServer server, CancellationToken cancellationToken)
    {
        var id = server.SessionId;
        if (id is not null && KeyId(context.User) is { } owner)
        {
            _owners[id] = owner;
        }

        hub.SessionStarted(server);
        try
        {
            await server.RunAsync(cancellationToken);
        }
        finally
        {
            hub.SessionEnded(server);
            if (id is not null)
            {
                _owners.TryRemove(id, out _);
            }
        }
    }

    /// <summary>True when <paramref name="sessionId"/> is a live session opened by another credential than <paramref name="user"/>'s.</summary>
    public bool IsSomeoneElses(string sessionId, ClaimsPrincipal user) =>
        _owners.TryGetValue(sessionId, out var owner) && owner != KeyId(user);

    private static string? KeyId(ClaimsPrincipal user) => user.FindFirst(ClaimTypes.NameIdentifier)?.Value;
}
