using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CycleTokens.Mcp.Hosting;

/// <summary>
/// Tracks the requests read from stdin until each has been handled, so that when the client closes stdin the server
/// first finishes and answers what it already received (a committed charge must be acknowledged). Long-lived
/// <c>subscriptions/listen</c> requests end with the session and are not waited for.
/// </summary>
internal sealed class InFlightRequests
{
    private long _seen;
    private long _entered;
    private int _running;

    /// <summary>The incoming message filter that counts requests reaching the server.</summary>
    public McpMessageFilter Filter => next => async (context, cancellationToken) =>
    {
        if (context.JsonRpcMessage is not JsonRpcRequest request)
        {
            await next(context, cancellationToken);
            return;
        }

        var waitFor = request.Method != RequestMethods.SubscriptionsListen;
        if (waitFor)
        {
            Interlocked.Increment(ref _running);
        }

        Interlocked.Increment(ref _entered);
        try
        {
            await next(context, cancellationToken);
        }
        finally
        {
            if (waitFor)
            {
                Interlocked.Decrement(ref _running);
            }
        }
    };

    /// <summary>Called by the input for each line that is a JSON-RPC request.</summary>
    public void RequestRead() => Interlocked.Increment(ref _seen);

    /// <summary>True when every request read has reached the server and none is still being handled.</summary>
    public bool Idle => Interlocked.Read(ref _entered) >= Interlocked.Read(ref _seen) && Volatile.Read(ref _running) == 0;

    /// <summary>Waits until <see cref="Idle"/>, or until <paramref name="limit"/> (a request the server could not read).</summary>
    public async Task WaitIdleAsync(TimeSpan limit, TimeProvider time)
    {
        var deadline = time.GetUtcNow() + limit;
        while (!Idle && time.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(5), time);
        }

        // The answer of the last request is written just after its handler returns.
        await Task.Delay(TimeSpan.FromMilliseconds(20), time);
    }
}
