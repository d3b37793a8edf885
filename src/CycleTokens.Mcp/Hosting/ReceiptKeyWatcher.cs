using CycleTokens.Core;
using CycleTokens.Core.Receipts;
using Microsoft.Extensions.Logging;

namespace CycleTokens.Mcp.Hosting;

/// <summary>
/// Takes up a receipt key rotation made by another process (<c>cycletokens receipts rotate</c>): every
/// <see cref="Interval"/> of the injected clock it looks at the key file (its time and size; read only when they
/// changed) and signs with the key the file names as current. Does nothing for a ledger that signs no receipts.
/// </summary>
internal sealed partial class ReceiptKeyWatcher(TokenLedger ledger, TimeProvider time, ILogger<ReceiptKeyWatcher> logger) : PeriodicWork(time)
{
    /// <summary>How often it looks: a rotation is signed with at most this long after it.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    protected override TimeSpan Period => Interval;

    protected override bool Enabled => ledger.ReceiptKeys is not null;

    protected override async Task TickAsync(CancellationToken cancellationToken)
    {
        var keys = ledger.ReceiptKeys!;
        if (await keys.AdoptRotationAsync(cancellationToken))
        {
            LogAdopted(logger, keys.CurrentKid);
        }
    }

    // The key loaded keeps signing (its receipts verify); a ReceiptKeyException's message names the file and what is wrong.
    protected override void Failed(Exception exception) =>
        LogUnreadable(logger, exception is ReceiptKeyException ? exception.Message : "unexpected failure", exception);

    [LoggerMessage(EventId = 43, Level = LogLevel.Information, Message = "Receipts are now signed with key {Kid}, made current by a rotation")]
    private static partial void LogAdopted(ILogger logger, string kid);

    [LoggerMessage(EventId = 44, Level = LogLevel.Warning, Message = "The receipt key file cannot be taken up ({Reason}); signing with the key loaded")]
    private static partial void LogUnreadable(ILogger logger, string reason, Exception exception);
}
