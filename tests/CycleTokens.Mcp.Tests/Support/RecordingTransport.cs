using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// Records every message the client reads from the server, in wire order, before the client dispatches it (the client
/// runs notification handlers concurrently, so handler order says nothing about wire order). Because the server sends
/// a request's notifications before its response, everything a request caused is recorded once its call returns.
/// </summary>
internal sealed class RecordingTransport(IClientTransport inner) : IClientTransport
{
    private readonly Lock _gate = new();
    private readonly List<JsonRpcMessage> _received = [];
    private readonly List<(Func<JsonRpcMessage, bool> Match, TaskCompletionSource<JsonRpcMessage> Signal)> _waiters = [];

    public string Name => inner.Name;

    /// <summary>The notifications received so far with this method, in wire order.</summary>
    public IReadOnlyList<JsonRpcNotification> Notifications(string method)
    {
        lock (_gate)
        {
            return _received.OfType<JsonRpcNotification>().Where(n => n.Method == method).ToList();
        }
    }

    /// <summary>Every message received so far, in wire order.</summary>
    public IReadOnlyList<JsonRpcMessage> Messages()
    {
        lock (_gate)
        {
            return [.. _received];
        }
    }

    /// <summary>Completes with the first message (already received or still to come) that matches.</summary>
    public Task<JsonRpcMessage> WaitForAsync(Func<JsonRpcMessage, bool> match, TimeSpan timeout)
    {
        lock (_gate)
        {
            if (_received.FirstOrDefault(match) is { } found)
            {
                return Task.FromResult(found);
            }

            var signal = new TaskCompletionSource<JsonRpcMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, signal));
            return signal.Task.WaitAsync(timeout);
        }
    }

    public async Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default) =>
        new Session(await inner.ConnectAsync(cancellationToken), this);

    private void Record(JsonRpcMessage message)
    {
        lock (_gate)
        {
            _received.Add(message);
            foreach (var waiter in _waiters.Where(w => w.Match(message)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Signal.TrySetResult(message);
            }
        }
    }

    private sealed class Session(ITransport inner, RecordingTransport owner) : ITransport
    {
        public string? SessionId => inner.SessionId;

        public ChannelReader<JsonRpcMessage> MessageReader { get; } = new RecordingReader(inner.MessageReader, owner);

        public ValueTask DisposeAsync() => inner.DisposeAsync();

        public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default) =>
            inner.SendMessageAsync(message, cancellationToken);
    }

    private sealed class RecordingReader(ChannelReader<JsonRpcMessage> inner, RecordingTransport owner) : ChannelReader<JsonRpcMessage>
    {
        public override Task Completion => inner.Completion;

        public override bool TryRead([MaybeNullWhen(false)] out JsonRpcMessage item)
        {
            if (!inner.TryRead(out item))
            {
                return false;
            }

            owner.Record(item);
            return true;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => inner.WaitToReadAsync(cancellationToken);
    }
}
