using CycleTokens.Core;
using Microsoft.Extensions.Logging;

namespace CycleTokens.Mcp.Hosting;

/// <summary>
/// Keeps the credentials' daily spend totals from growing without end: every <see cref="Interval"/> of the injected
/// clock it asks the engine to delete the days before yesterday, which costs one read when there are none. Every server
/// sharing a ledger prunes; deleting what another already deleted deletes nothing.
/// </summary>
internal sealed partial class SpendDayPruner(TokenLedger ledger, TimeProvider time, ILogger<SpendDayPruner> logger) : PeriodicWork(time)
{
    /// <summary>How often it looks.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override TimeSpan Period => Interval;

    protected override async Task TickAsync(CancellationToken cancellationToken)
    {
        var pruned = await ledger.PruneSpendDaysAsync(cancellationToken);
        if (pruned > 0)
        {
            LogPruned(logger, pruned);
        }
    }

    protected override void Failed(Exception exception) => LogPruneFailed(logger, exception);

    [LoggerMessage(EventId = 41, Level = LogLevel.Information, Message = "Deleted {Count} daily spend totals of days before yesterday")]
    private static partial void LogPruned(ILogger logger, int count);

    [LoggerMessage(EventId = 42, Level = LogLevel.Warning, Message = "Deleting old daily spend totals failed; trying again at the next tick")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception);
}
