using CycleTokens.Core;
using CycleTokens.Mcp.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CycleTokens.Mcp.Resources;

/// <summary>
/// Tells subscribers of <c>tokens://balance</c> about changes made by other processes sharing the ledger file
/// (other agent sessions, other hosts, the operator command line): for each account some session is subscribed for,
/// it polls the account's journal position and sends an update to that account's sessions when it moved. Changes
/// made by this process are announced at once by the request that made them; the watcher then only records the new
/// position.
/// </summary>
internal sealed partial class BalanceWatcher(TokenLedger ledger, SubscriptionHub hub, TimeProvider time, ILogger<BalanceWatcher> logger) : BackgroundService
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _positions = new(StringComparer.Ordinal);

    /// <summary>How often the watcher looks while someone is subscribed.</summary>
    public static TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    private readonly TaskCompletionSource _watching = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the watcher has recorded a position to compare later ones with.</summary>
    public Task Watching => _watching.Task;

    /// <summary>
    /// Records that <paramref name="account"/> has reached <paramref name="position"/>; true when this call moved it
    /// there, so the caller announces the change, false when the watcher or a session already has. Positions only grow,
    /// so whichever of the watcher and a session's own call gets there first announces it, and the other does not.
    /// </summary>
    public bool Advance(string account, long position)
    {
        while (true)
        {
            if (!_positions.TryGetValue(account, out var known))
            {
                if (_positions.TryAdd(account, position))
                {
                    return true;
                }

                continue;
            }

            if (known >= position)
            {
                return false;
            }

            if (_positions.TryUpdate(account, position, known))
            {
                return true;
            }
        }
    }

    /// <summary>
    /// Records where <paramref name="account"/> stands when a session subscribes, unless already watched: a change made
    /// elsewhere before the watcher's next look is then a change it announces, not its starting point.
    /// </summary>
    public async Task BaselineAsync(string account, CancellationToken cancellationToken)
    {
        if (!_positions.ContainsKey(account))
        {
            _positions.TryAdd(account, await ledger.GetJournalPositionAsync(account, cancellationToken));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            var unavailable = false;
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var accounts = hub.Accounts(ResourceCatalog.BalanceUri);
                try
                {
                    await LookAsync(accounts, stoppingToken);
                    if (unavailable)
                    {
                        unavailable = false;
                        LogBack(logger);
                    }
                }
                catch (LedgerUnavailableException ex)
                {
                    // The database is restarting or unreachable: look again at the next tick (logged once per outage).
                    if (!unavailable)
                    {
                        unavailable = true;
                        LogUnavailable(logger, ex);
                    }

                    continue;
                }

                // Accounts no session watches any more are forgotten, so a later subscriber starts afresh.
                // (Checked again: a session may have subscribed since the list was taken, with a baseline to keep.)
                foreach (var gone in _positions.Keys.Where(a => !accounts.Contains(a) && !hub.HasSubscribers(a, ResourceCatalog.BalanceUri)))
                {
                    _positions.TryRemove(gone, out _);
                }

                if (accounts.Count > 0)
                {
                    _watching.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
#pragma warning disable CA1031 // A failing watcher must not take the server down; requests still work.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogStopped(logger, ex);
        }
    }

    /// <summary>Compares each account's journal position with the last one seen; announces those that moved.</summary>
    private async Task LookAsync(IReadOnlyCollection<string> accounts, CancellationToken cancellationToken)
    {
        foreach (var account in accounts)
        {
            var position = await ledger.GetJournalPositionAsync(account, cancellationToken);
            if (!_positions.TryAdd(account, position) && Advance(account, position))
            {
                // Moved since the last look, and no session's own call has announced it yet.
                await hub.NotifyUpdatedAsync(account, ResourceCatalog.BalanceUri, cancellationToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The balance watcher cannot read the ledger (its database is unavailable); it keeps trying")]
    private static partial void LogUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "The balance watcher reads the ledger again")]
    private static partial void LogBack(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "The balance watcher stopped; updates from other processes will not be pushed")]
    private static partial void LogStopped(ILogger logger, Exception exception);
}
