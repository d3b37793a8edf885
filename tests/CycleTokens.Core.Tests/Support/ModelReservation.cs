using CycleTokens.Core.Reservations;

namespace CycleTokens.Core.Tests.Support;

/// <summary>A reservation as <see cref="LedgerModel"/> sees it; a clear hides the reservations of earlier generations.</summary>
internal sealed record ModelReservation(
    string Id,
    string Account,
    int Generation,
    string Operation,
    string ParamsKey,
    int Quantity,
    long UnitPrice,
    long Held,
    long AllowancePart,
    long PurchasedPart,
    int MonthKey,
    string? Creator,
    long CreatedMs,
    long ExpiresMs,
    ReservationStatus Status);

/// <summary>The settle <see cref="LedgerModel"/> expects: the charge (null for quantity 0) and what returned or expired.</summary>
internal sealed record ModelSettlement(ModelDebit? Debit, long Released, long Expired, long Balance, ReservationStatus Status);
