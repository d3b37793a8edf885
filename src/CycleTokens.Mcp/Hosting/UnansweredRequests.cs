using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CycleTokens.Mcp.Hosting;

/// <summary>
/// The requests read from stdin that have not been answered yet, so that when the client closes stdin the server first
/// answers what it already received (a committed charge must be acknowledged).
/// </summary>
/// <remarks>
/// A request counts as answered once its response or error has been handed to the transport and written: the outgoing
/// message filter sees it after the transport's send (write and flush) returned. Counting handlers instead is not
/// enough: the SDK sends an error reply after the incoming filters have returned, and a reply can still be on its way
/// when the handler is done.
/// </remarks>
internal sealed class UnansweredRequests
{
    private readonly Lock _gate = new();
    private readonly Dictionary<RequestId, int> _waiting = [];
    private TaskCompletionSource _changed = NewSignal();
    private int _running;
    private long _progress;

    /// <summary>The incoming message filter: a request being handled is progress, and is waited for without a deadline short of the limit.</summary>
    public McpMessageFilter IncomingFilter => next => async (context, cancellationToken) =>
    {
        if (context.JsonRpcMessage is not JsonRpcRequest { Method: not RequestMethods.SubscriptionsListen })
        {
            await next(context, cancellationToken);
            return;
        }

        Interlocked.Increment(ref _running);
        Changed();
        try
        {
            await next(context, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
            Changed();
        }
    };

    /// <summary>The outgoing message filter: a response or error written answers its request.</summary>
    public McpMessageFilter OutgoingFilter => next => async (context, cancellationToken) =>
    {
        await next(context, cancellationToken);
        if (context.JsonRpcMessage is JsonRpcResponse or JsonRpcError)
        {
            Answered(((JsonRpcMessageWithId)context.JsonRpcMessage).Id);
        }
    };

    /// <summary>Number of requests read and not answered.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Values.Sum();
            }
        }
    }

    /// <summary>A request line was read: it is waited for until answered.</summary>
    public void Expect(RequestId id)
    {
        lock (_gate)
        {
            _waiting[id] = _waiting.GetValueOrDefault(id) + 1;
        }
    }

    /// <summary>The answer to <paramref name="id"/> is out, or will not come (the client cancelled the request).</summary>
    public void Answered(RequestId id)
    {
        lock (_gate)
        {
            if (_waiting.TryGetValue(id, out var count))
            {
                if (count > 1)
                {
                    _waiting[id] = count - 1;
                }
                else
                {
                    _waiting.Remove(id);
                }
            }
        }

        Changed();
    }

    /// <summary>
    /// Waits until every request read has been answered. A request that the SDK refuses before handling it (and
    /// answers itself, from the transport) is never seen answered here, so once no request is being handled and
    /// nothing has happened for <paramref name="settle"/>, the wait ends anyway; <paramref name="limit"/> bounds it
    /// in all cases, and stopping the server (<paramref name="cancellationToken"/>) ends it.
    /// </summary>
    public async Task WaitAnsweredAsync(TimeSpan settle, TimeSpan limit, TimeProvider time, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + limit;
        while (true)
        {
            Task changed;
            long progress;
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    return;
                }

                changed = _changed.Task;
                progress = Interlocked.Read(ref _progress);
            }

            var left = deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return;
            }

            var wait = Volatile.Read(ref _running) > 0 ? left : TimeSpan.FromTicks(Math.Min(left.Ticks, settle.Ticks));
            try
            {
                await changed.WaitAsync(wait, time, cancellationToken);
            }
            catch (TimeoutException)
            {
                if (Volatile.Read(ref _running) == 0 && Interlocked.Read(ref _progress) == progress)
                {
                    return;
                }
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Changed()
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            Interlocked.Increment(ref _progress);
            signal = _changed;
            _changed = NewSignal();
        }

        signal.TrySetResult();
    }
}
