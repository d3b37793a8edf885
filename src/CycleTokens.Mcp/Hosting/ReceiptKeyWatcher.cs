using CycleTokens.Core;
using CycleTokens.Core.Receipts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CycleTokens.Mcp.Hosting;

/// <summary>
/// Takes up a receipt key rotation made by another process (<c>cycletokens receipts rotate</c>): every
/// <see cref="Interval"/> of the injected clock it looks at the key file (its time and size; read only when they
/// changed) and signs with the key the file names as current. Does nothing for a ledger that signs no receipts.
/// </summary>
internal sealed partial class ReceiptKeyWatcher(TokenLedger ledger, TimeProvider time, ILogger<ReceiptKeyWatcher> logger) : BackgroundService
{
    /// <summary>How often it looks: a rotation is signed with at most this long after it.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (ledger.ReceiptKeys is not { } keys)
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    if (await keys.AdoptRotationAsync(stoppingToken))
                    {
                        LogAdopted(logger, keys.CurrentKid);
                    }
                }
                catch (ReceiptKeyException ex)
                {
                    // The key loaded keeps signing (its receipts verify); the message names the file and what is wrong.
                    LogUnreadable(logger, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(EventId = 43, Level = LogLevel.Information, Message = "Receipts are now signed with key {Kid}, made current by a rotation")]
    private static partial void LogAdopted(ILogger logger, string kid);

    [LoggerMessage(EventId = 44, Level = LogLevel.Warning, Message = "The receipt key file cannot be taken up ({Reason}); signing with the key loaded")]
    private static partial void LogUnreadable(ILogger logger, string reason);
}
