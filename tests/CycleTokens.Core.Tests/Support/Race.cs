namespace CycleTokens.Core.Tests.Support;

/// <summary>Starts one worker per connection on its own thread and releases them all at once.</summary>
internal static class Race
{
    /// <summary>
    /// Runs <paramref name="work"/> for each connection (with its index) on a dedicated thread; a barrier holds
    /// every worker until all have started, so the calls really overlap. Returns each worker's result.
    /// </summary>
    public static async Task<T[]> RunAsync<T>(IReadOnlyList<TokenLedger> connections, Func<TokenLedger, int, Task<T>> work)
    {
        using var barrier = new Barrier(connections.Count);
        var workers = connections
            .Select((connection, index) => Task.Factory.StartNew(
                () =>
                {
                    barrier.SignalAndWait();
                    return work(connection, index);
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default).Unwrap())
            .ToArray();
        return await Task.WhenAll(workers);
    }
}
