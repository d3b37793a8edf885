namespace CycleTokens.Core.Tests.Support;

/// <summary>Starts workers on threads of their own and releases them all at once, so their calls really overlap.</summary>
internal static class Race
{
    /// <summary>
    /// Runs <paramref name="work"/> once per worker index on a dedicated thread; a barrier holds every worker until
    /// all have started. Returns each worker's result; a worker's exception fails the race.
    /// </summary>
    public static async Task<T[]> RunAsync<T>(int workers, Func<int, Task<T>> work)
    {
        using var barrier = new Barrier(workers);
        var tasks = Enumerable.Range(0, workers)
            .Select(index => Task.Factory.StartNew(
                () =>
                {
                    barrier.SignalAndWait();
                    return work(index);
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default).Unwrap())
            .ToArray();
        return await Task.WhenAll(tasks);
    }

    /// <summary>One worker per connection (a connection may be listed twice), given the connection and its index.</summary>
    public static Task<T[]> RunAsync<T>(IReadOnlyList<TokenLedger> connections, Func<TokenLedger, int, Task<T>> work) =>
        RunAsync(connections.Count, index => work(connections[index], index));
}
