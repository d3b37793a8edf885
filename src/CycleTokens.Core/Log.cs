using Microsoft.Extensions.Logging;

namespace CycleTokens.Core;

/// <summary>The engine's log messages (source-generated).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "A subscriber to {EventName} failed")]
    internal static partial void EventHandlerFailed(ILogger logger, Exception exception, string eventName);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Month reset for {Account}: expired {Expired}, granted {Allowance}")]
    internal static partial void MonthReset(ILogger logger, string account, long expired, long allowance);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Charged {Account} {Amount} for {Operation}")]
    internal static partial void Charged(ILogger logger, string account, long amount, string operation);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Escrow {EscrowId} of {Account} cancelled ({Reason})")]
    internal static partial void EscrowCancelled(ILogger logger, string escrowId, string account, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Key {KeyId} authenticated, but its last use was not recorded: the ledger stayed busy with other writes, or its database became unavailable")]
    internal static partial void KeyLastUseSkipped(ILogger logger, string keyId);
}
