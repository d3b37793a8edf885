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

    /// <summary>
    /// Waits until <see cref="Idle"/>. A request-shaped line the SDK refuses before handling it (a wrong jsonrpc
    /// version, say) never reaches the filter, so once nothing is running and no request has started for
    /// <paramref name="settle"/>, the wait ends anyway; <paramref name="limit"/> bounds it in all cases.
    /// </summary>
    public async Task WaitIdleAsync(TimeSpan settle, TimeSpan limit, TimeProvider time)
    {
        var start = time.GetUtcNow();
        var lastProgress = start;
        var lastEntered = Interlocked.Read(ref _entered);
        while (!Idle && time.GetUtcNow() - start < limit)
        {
            var now = time.GetUtcNow();
            var entered = Interlocked.Read(ref _entered);
            if (entered != lastEntered || Volatile.Read(ref _running) != 0)
            {
                (lastEntered, lastProgress) = (entered, now);
            }
            else if (now - lastProgress >= settle)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(5), time);
        }

        // The answer of the last request is written just after its handler returns.
        await Task.Delay(TimeSpan.FromMilliseconds(20), time);
    }
}
