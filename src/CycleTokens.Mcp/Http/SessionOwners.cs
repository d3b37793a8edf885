using System.Collections.Concurrent;
using System.Security.Claims;
using CycleTokens.Mcp.Resources;
using Microsoft.AspNetCore.Http;
using ModelContextProtocol.Server;

namespace CycleTokens.Mcp.Http;

/// <summary>
/// Which credential opened each HTTP session, and how many each credential holds. A session id presented with
/// another credential is refused as if the session did not exist (404): the SDK also refuses it, but with a 403 that
/// tells the caller the id is live. A credential may hold at most <see cref="HttpLimits.SessionsPerCredential"/>
/// sessions; a request that could open one more reserves a place first, so two at once cannot both slip past.
/// </summary>
internal sealed class SessionOwners(SubscriptionHub hub, HttpLimits limits)
{
    // Set on a request holding a place; the session it opens takes the place over, otherwise it is given back.
    private const string PlaceItem = "cycletokens:session-place";

    private readonly ConcurrentDictionary<string, string> _owners = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _held = new(StringComparer.Ordinal);

    /// <summary>Raised with the session id when a session has ended (closed by its client, idle, or the server stopping).</summary>
    public event Action<string>? Ended;

    /// <summary>The sessions <paramref name="credential"/> holds open now (with places reserved by requests in flight).</summary>
    public int Held(string credential)
    {
        lock (_held)
        {
            return _held.GetValueOrDefault(credential);
        }
    }

    /// <summary>
    /// Runs <paramref name="next"/> for a request that may open a session, holding a place for it; false (and nothing
    /// run) when the credential already holds as many sessions as it may.
    /// </summary>
    public async Task<bool> TryOpenAsync(HttpContext context, RequestDelegate next)
    {
        if (CredentialId(context.User) is not { } credential)
        {
            await next(context);
            return true;
        }

        lock (_held)
        {
            var held = _held.GetValueOrDefault(credential);
            if (held >= limits.SessionsPerCredential)
            {
                return false;
            }

            _held[credential] = held + 1;
        }

        context.Items[PlaceItem] = credential;
        try
        {
            await next(context);
        }
        finally
        {
            // No session came of it (a refused initialize, a request the SDK serves on its own): the place goes back.
            if (context.Items.Remove(PlaceItem))
            {
                Release(credential);
            }
        }

        return true;
    }

    /// <summary>The SDK's per-session loop, wrapped: the session is owned, and counted, while it runs.</summary>
    public async Task RunAsync(HttpContext context, McpServer server, CancellationToken cancellationToken)
    {
        var id = server.SessionId;
        // Runs synchronously inside the opening request up to the first await, so the place is taken before that
        // request's own release could give it back.
        var place = id is not null && context.Items.Remove(PlaceItem, out var held) ? held as string : null;
        if (id is not null && CredentialId(context.User) is { } owner)
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

            if (place is not null)
            {
                Release(place);
            }

            if (id is not null)
            {
                Ended?.Invoke(id);
            }
        }
    }

    /// <summary>True when <paramref name="sessionId"/> is a live session opened by another credential than <paramref name="user"/>'s.</summary>
    public bool IsSomeoneElses(string sessionId, ClaimsPrincipal user) =>
        _owners.TryGetValue(sessionId, out var owner) && owner != CredentialId(user);

    /// <summary>The id sessions are bound to: the credential's, as the authentication put it on the user.</summary>
    public static string? CredentialId(ClaimsPrincipal user) => user.FindFirst(ClaimTypes.NameIdentifier)?.Value;

    private void Release(string credential)
    {
        lock (_held)
        {
            var held = _held.GetValueOrDefault(credential) - 1;
            if (held <= 0)
            {
                _held.Remove(credential);
            }
            else
            {
                _held[credential] = held;
            }
        }
    }
}
