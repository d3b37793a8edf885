using CycleTokens.Core;
using CycleTokens.Mcp.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CycleTokens.Mcp.Resources;

/// <summary>
/// Tells subscribers of <c>tokens://balance</c> about changes made by other processes sharing the ledger file
/// (other agent sessions, the operator command line): while anyone is subscribed, it polls the bound account's
/// journal position and sends an update when it moved. Changes made by this process are announced at once by the
/// request that made them; the watcher then only records the new position.
/// </summary>
internal sealed partial class BalanceWatcher(TokenLedger ledger, ServerMode mode, SubscriptionHub hub, TimeProvider time, ILogger<BalanceWatcher> logger) : BackgroundService
{
    /// <summary>How often the watcher looks while someone is subscribed.</summary>
    public static TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    private long _position = -1;

    private readonly TaskCompletionSource _watching = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the watcher has recorded a position to compare later ones with.</summary>
    public Task Watching => _watching.Task;

    /// <summary>Records a position this process has already announced.</summary>
    public void Seen(long position) => Interlocked.Exchange(ref _position, position);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (!hub.HasSubscribers(ResourceCatalog.BalanceUri))
                {
                    continue;
                }

                var position = await ledger.GetJournalPositionAsync(mode.Account, stoppingToken);
                var previous = Interlocked.Exchange(ref _position, position);
                _watching.TrySetResult();
                if (previous >= 0 && previous != position)
                {
                    await hub.NotifyUpdatedAsync(ResourceCatalog.BalanceUri, stoppingToken);
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

    [LoggerMessage(Level = LogLevel.Error, Message = "The balance watcher stopped; updates from other processes will not be pushed")]
    private static partial void LogStopped(ILogger logger, Exception exception);
}
