using CycleTokens.Core;
using Microsoft.Extensions.Logging;

namespace CycleTokens.Mcp.Hosting;

/// <summary>
/// Returns the holds of reservations past their expiry even when nothing touches their account (agent-billing spec §1:
/// "by the server within a minute"): every <see cref="Interval"/> of the injected clock it asks the engine to expire
/// what is due, which costs one read when nothing is. Every server sharing a file sweeps; the engine expires each
/// reservation once under the write lock, so they never double an expiry.
/// </summary>
internal sealed partial class ReservationSweeper(TokenLedger ledger, TimeProvider time, ILogger<ReservationSweeper> logger) : PeriodicWork(time)
{
    /// <summary>How often it looks: a reservation is expired at most this long (plus the sweep itself) after its expiry.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(20);

    protected override TimeSpan Period => Interval;

    protected override Task TickAsync(CancellationToken cancellationToken) => ledger.ExpireDueReservationsAsync(cancellationToken: cancellationToken);

    // A busy or unreadable file now is no reason to stop: the next tick tries again, and touches still expire.
    protected override void Failed(Exception exception) => LogSweepFailed(logger, exception);

    [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "Expiring due reservations failed; trying again at the next tick")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
