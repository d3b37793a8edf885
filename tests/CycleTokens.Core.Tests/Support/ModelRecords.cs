using CycleTokens.Core.Accounts;
using CycleTokens.Core.Escrows;

namespace CycleTokens.Core.Tests.Support;

/// <summary>A user as <see cref="LedgerModel"/> sees it; <paramref name="Generation"/> counts clears.</summary>
internal sealed record ModelUser(Tier Tier, int MonthKey, long Allowance, long Purchased, int Generation)
{
    public long Balance => Allowance + Purchased;
}

/// <summary>An escrow as <see cref="LedgerModel"/> sees it; a clear hides the escrows of earlier generations.</summary>
internal sealed record ModelEscrow(
    string Id,
    string Account,
    int Generation,
    long Amount,
    long AllowancePart,
    long PurchasedPart,
    int MonthKey,
    string FabId,
    long CreatedMs,
    long? ExpiresMs,
    EscrowStatus Status);

/// <summary>A charge or spend as <see cref="LedgerModel"/> sees it (the id is filled in from the engine's result).</summary>
internal sealed record ModelDebit(
    string Id,
    string Account,
    int MonthKey,
    int Generation,
    long CreatedMs,
    long Total,
    long AllowancePart,
    long PurchasedPart,
    string? CreatorAccount,
    long CreatorShare,
    long PlatformShare);

/// <summary>A purchase as <see cref="LedgerModel"/> sees it.</summary>
internal sealed record ModelPurchase(string Id, string Account, long Tokens, bool Completed);

/// <summary>The price <see cref="LedgerModel"/> expects for a charge or estimate.</summary>
internal sealed record ModelQuote(long BasePrice, long UnitPrice, bool Cached, int BatchDiscountPct, long Total, long Balance);

/// <summary>The refund <see cref="LedgerModel"/> expects.</summary>
internal sealed record ModelRefund(long Refunded, long Expired, long BalanceAfter);

/// <summary>The clear <see cref="LedgerModel"/> expects.</summary>
internal sealed record ModelClear(long Cleared, int CancelledEscrows, long BalanceAfter);
