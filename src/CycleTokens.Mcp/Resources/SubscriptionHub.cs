using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CycleTokens.Mcp.Resources;

/// <summary>
/// Resource-update fan-out for both protocol revisions. 2025-11-25: <c>resources/subscribe</c> registers a URI and
/// updates go out as plain <c>notifications/resources/updated</c>. 2026-07-28: a <c>subscriptions/listen</c> request
/// stays open; one acknowledgement, then every update tagged with the listen request's id as subscription id.
/// </summary>
internal sealed class SubscriptionHub
{
    private readonly ConcurrentDictionary<string, McpServer> _legacy = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<RequestId, Listener> _listeners = new();

    /// <summary>True when anyone would receive an update of <paramref name="uri"/>.</summary>
    public bool HasSubscribers(string uri) => _legacy.ContainsKey(uri) || _listeners.Values.Any(l => l.Uris.Contains(uri));

    public void Subscribe(McpServer server, string uri) => _legacy[uri] = server;

    public void Unsubscribe(string uri) => _legacy.TryRemove(uri, out _);

    public async ValueTask<EmptyResult> ListenAsync(RequestContext<SubscriptionsListenRequestParams> context, Func<string, bool> exists, CancellationToken cancellationToken)
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
        _listeners[id] = listener;
        try
        {
            await context.Server.SendNotificationAsync(NotificationMethods.SubscriptionsAcknowledgedNotification, ack, McpJsonUtilities.DefaultOptions, cancellationToken);
            listener.Acknowledged.TrySetResult(true);
            // Open until the client cancels or the session ends; the cancellation propagates, so no response is sent.
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        finally
        {
            _listeners.TryRemove(id, out _);
            listener.Acknowledged.TrySetResult(false);
        }

        return new EmptyResult();
    }

    public async Task NotifyUpdatedAsync(string uri, CancellationToken cancellationToken)
    {
        if (_legacy.TryGetValue(uri, out var server))
        {
            await server.SendNotificationAsync(
                NotificationMethods.ResourceUpdatedNotification, new ResourceUpdatedNotificationParams { Uri = uri }, McpJsonUtilities.DefaultOptions, cancellationToken);
        }

        foreach (var listener in _listeners.Values.Where(l => l.Uris.Contains(uri)))
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

    private sealed record Listener(McpServer Server, JsonNode? SubscriptionId, HashSet<string> Uris)
    {
        /// <summary>True once the acknowledgement is sent; false when the stream ended before it was.</summary>
        public TaskCompletionSource<bool> Acknowledged { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
