using Microsoft.Extensions.Logging;

namespace CycleTokens.Core;

/// <summary>The engine's log messages about reservations.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Reservation {ReservationId} of {Account} ended: {Status} ({Reason})")]
    internal static partial void ReservationEnded(ILogger logger, string reservationId, string account, Reservations.ReservationStatus status, string reason);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "Expired {Count} reservations past their expiry")]
    internal static partial void ReservationsSwept(ILogger logger, int count);
}
