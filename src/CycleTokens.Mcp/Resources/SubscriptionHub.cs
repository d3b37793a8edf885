using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CycleTokens.Mcp.Resources;

/// <summary>
/// Resource-update fan-out for both protocol revisions, per account: an update of an account's resource goes to the
/// sessions of that account only. 2025-11-25: <c>resources/subscribe</c> registers a URI for the session and updates
/// go out as plain <c>notifications/resources/updated</c>. 2026-07-28: a <c>subscriptions/listen</c> request stays
/// open; one acknowledgement, then every update tagged with the listen request's id as subscription id.
/// </summary>
internal sealed class SubscriptionHub
{
    // Indexed by account, so that an update costs the account's own subscriptions, not every session's. 2025-11-25
    // subscriptions by session id ("" for the one stdio session) and URI. The server a request hands its handler is
    // bound to that request's response stream; a later update of an HTTP session goes through the session's own
    // server (its GET stream), registered when the session starts. A session belongs to one account (its credential's).
    private readonly ConcurrentDictionary<string, AccountSubscribers> _accounts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, string>> _bySession = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, McpServer> _sessions = new(StringComparer.Ordinal);

    /// <summary>True when a session of <paramref name="account"/> would receive an update of <paramref name="uri"/>.</summary>
    public bool HasSubscribers(string account, string uri) =>
        _accounts.TryGetValue(account, out var subscribers) && subscribers.Has(uri);

    /// <summary>The accounts some session is subscribed to <paramref name="uri"/> for.</summary>
    public IReadOnlyCollection<string> Accounts(string uri) =>
        _accounts.Where(a => a.Value.Has(uri)).Select(a => a.Key).ToList();

    public void Subscribe(McpServer server, string account, string uri)
    {
        var session = server.SessionId ?? string.Empty;
        var uris = _bySession.GetOrAdd(session, _ => new ConcurrentDictionary<string, string>(StringComparer.Ordinal));
        if (uris.TryGetValue(uri, out var before) && before != account)
        {
            For(before).Legacy.TryRemove((session, uri), out _);
        }

        uris[uri] = account;
        For(account).Legacy[(session, uri)] = server;
    }

    public void Unsubscribe(McpServer server, string uri)
    {
        var session = server.SessionId ?? string.Empty;
        if (_bySession.TryGetValue(session, out var uris) && uris.TryRemove(uri, out var account))
        {
            For(account).Legacy.TryRemove((session, uri), out _);
        }
    }

    /// <summary>An HTTP session has started: its updates go through <paramref name="server"/>.</summary>
    public void SessionStarted(McpServer server)
    {
        if (server.SessionId is { } id)
        {
            _sessions[id] = server;
        }
    }

    /// <summary>An HTTP session has ended: its subscriptions go with it.</summary>
    public void SessionEnded(McpServer server)
    {
        if (server.SessionId is not { } id)
        {
            return;
        }

        _sessions.TryRemove(id, out _);
        if (_bySession.TryRemove(id, out var uris))
        {
            foreach (var (uri, account) in uris)
            {
                For(account).Legacy.TryRemove((id, uri), out _);
            }
        }
    }

    public async ValueTask<EmptyResult> ListenAsync(RequestContext<SubscriptionsListenRequestParams> context, string account, Func<string, bool> exists, CancellationToken cancellationToken)
    {
        var granted = new SubscriptionsListenNotifications
        {
            // Only resource updates are offered (lists never change), so only those are granted.
            ResourceSubscriptions = context.Params!.Notifications.ResourceSubscriptions?.Where(exists).Distinct(StringComparer.Ordinal).ToList(),
        };
        var id = context.JsonRpcRequest.Id;
        // Through the SDK's source-generated contract (no reflection), so the server also runs as Native AOT.
        var idNode = JsonSerializer.SerializeToNode(id, McpJsonUtilities.DefaultOptions.GetTypeInfo<RequestId>());
        var ack = (JsonObject)JsonSerializer.SerializeToNode(
            new SubscriptionsAcknowledgedNotificationParams { Notifications = granted },
            McpJsonUtilities.DefaultOptions.GetTypeInfo<SubscriptionsAcknowledgedNotificationParams>())!;
        ack["_meta"] = new JsonObject { [MetaKeys.SubscriptionId] = idNode?.DeepClone() };

        // Registered before the acknowledgement goes out, so a client that acts as soon as it is acknowledged does not
        // miss the update its next request causes; updates wait for the acknowledgement, which always comes first.
        var listener = new Listener(context.Server, idNode, [.. granted.ResourceSubscriptions ?? []]);
        var key = (context.Server, id);
        var listeners = For(account).Listeners;
        listeners[key] = listener;
        try
        {
            await context.Server.SendNotificationAsync(NotificationMethods.SubscriptionsAcknowledgedNotification, ack, McpJsonUtilities.DefaultOptions, cancellationToken);
            listener.Acknowledged.TrySetResult(true);
            // Open until the client cancels or the session ends; the cancellation propagates, so no response is sent.
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        finally
        {
            listeners.TryRemove(key, out _);
            listener.Acknowledged.TrySetResult(false);
        }

        return new EmptyResult();
    }

    public async Task NotifyUpdatedAsync(string account, string uri, CancellationToken cancellationToken)
    {
        if (!_accounts.TryGetValue(account, out var subscribers))
        {
            return;
        }

        foreach (var (key, subscribed) in subscribers.Legacy.Where(s => s.Key.Uri == uri))
        {
            var server = _sessions.TryGetValue(key.Session, out var session) ? session : subscribed;
            await server.SendNotificationAsync(
                NotificationMethods.ResourceUpdatedNotification, new ResourceUpdatedNotificationParams { Uri = uri }, McpJsonUtilities.DefaultOptions, cancellationToken);
        }

        foreach (var listener in subscribers.Listeners.Values.Where(l => l.Uris.Contains(uri)))
        {
            if (!await listener.Acknowledged.Task.WaitAsync(cancellationToken))
            {
                continue;
            }

            await listener.Server.SendNotificationAsync(
                NotificationMethods.ResourceUpdatedNotification,
                new ResourceUpdatedNotificationParams { Uri = uri, Meta = new JsonObject { [MetaKeys.SubscriptionId] = listener.SubscriptionId?.DeepClone() } },
                McpJsonUtilities.DefaultOptions,
                cancellationToken);
        }
    }

    // Entries of accounts no session subscribes to any more stay (a few bytes each): removing them would race with a
    // subscription being added.
    private AccountSubscribers For(string account) => _accounts.GetOrAdd(account, _ => new AccountSubscribers());

    private sealed class AccountSubscribers
    {
        public ConcurrentDictionary<(string Session, string Uri), McpServer> Legacy { get; } = new();

        public ConcurrentDictionary<(McpServer Server, RequestId Id), Listener> Listeners { get; } = new();

        public bool Has(string uri) => Legacy.Keys.Any(k => k.Uri == uri) || Listeners.Values.Any(l => l.Uris.Contains(uri));
    }

    private sealed record Listener(McpServer Server, JsonNode? SubscriptionId, HashSet<string> Uris)
    {
        /// <summary>True once the acknowledgement is sent; false when the stream ended before it was.</summary>
        public TaskCompletionSource<bool> Acknowledged { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
