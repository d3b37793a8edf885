using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// A subscription to one resource in whichever way the revision offers it: <c>resources/subscribe</c> on 2025-11-25,
/// a pending <c>subscriptions/listen</c> request on 2026-07-28 (the 2.4 client has no API for it, so it is sent raw).
/// Updates are queued as they arrive; <see cref="NextUpdateAsync"/> awaits the next one.
/// </summary>
internal sealed class ResourceSubscription : IAsyncDisposable
{
    private readonly Channel<JsonRpcNotification> _updates = Channel.CreateUnbounded<JsonRpcNotification>();
    private readonly List<IAsyncDisposable> _registrations = [];
    private readonly CancellationTokenSource _listen = new();
    private Task<JsonRpcResponse>? _listenRequest;

    private ResourceSubscription()
    {
    }

    /// <summary>On 2026-07-28: the acknowledgement's params (granted subscriptions and subscription id).</summary>
    public JsonNode? Acknowledgement { get; private set; }

    public static async Task<ResourceSubscription> StartAsync(McpTestServer server, string version, string uri = "tokens://balance")
    {
        var subscription = new ResourceSubscription();
        subscription._registrations.Add(server.Client.RegisterNotificationHandler(
            NotificationMethods.ResourceUpdatedNotification,
            (n, _) =>
            {
                subscription._updates.Writer.TryWrite(n);
                return ValueTask.CompletedTask;
            }));

        if (version == McpTestServer.Legacy)
        {
            await server.Client.SubscribeToResourceAsync(uri);
            subscription._registrations.Add(new Unsubscribe(server, uri));
            return subscription;
        }

        var acknowledged = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        subscription._registrations.Add(server.Client.RegisterNotificationHandler(
            NotificationMethods.SubscriptionsAcknowledgedNotification,
            (n, _) =>
            {
                acknowledged.TrySetResult(n.Params?.DeepClone());
                return ValueTask.CompletedTask;
            }));
        subscription._listenRequest = server.Client.SendRequestAsync(
            new JsonRpcRequest
            {
                Method = RequestMethods.SubscriptionsListen,
                Params = JsonSerializer.SerializeToNode(
                    new SubscriptionsListenRequestParams { Notifications = new SubscriptionsListenNotifications { ResourceSubscriptions = [uri] } },
                    McpJsonUtilities.DefaultOptions),
            },
            subscription._listen.Token);

        // The listen request never answers while open; if it fails instead, report that rather than time out.
        var first = await Task.WhenAny(acknowledged.Task, subscription._listenRequest).WaitAsync(TimeSpan.FromSeconds(30));
        if (first == subscription._listenRequest)
        {
            await subscription._listenRequest;
            throw new Xunit.Sdk.XunitException("subscriptions/listen ended without an acknowledgement");
        }

        subscription.Acknowledgement = await acknowledged.Task;
        return subscription;
    }

    /// <summary>The next resources/updated notification (already queued or still to come).</summary>
    public async Task<JsonRpcNotification> NextUpdateAsync(TimeSpan? timeout = null) =>
        await _updates.Reader.ReadAsync().AsTask().WaitAsync(timeout ?? TimeSpan.FromSeconds(30));

    public async ValueTask DisposeAsync()
    {
        await _listen.CancelAsync();
        if (_listenRequest is not null)
        {
            try
            {
                await _listenRequest;
            }
            catch (OperationCanceledException)
            {
                // The way a listen stream ends.
            }
        }

        foreach (var registration in _registrations)
        {
            await registration.DisposeAsync();
        }

        _listen.Dispose();
    }

    private sealed class Unsubscribe(McpTestServer server, string uri) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await server.Client.UnsubscribeFromResourceAsync(uri);
    }
}
