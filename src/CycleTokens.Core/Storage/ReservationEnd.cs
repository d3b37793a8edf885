using CycleTokens.Core.Reservations;

namespace CycleTokens.Core.Storage;

/// <summary>How a held reservation ended, as stored on it.</summary>
/// <param name="Status">Settled, voided or expired.</param>
/// <param name="EndedMs">When, in Unix milliseconds.</param>
/// <param name="SettledQuantity">Operations charged for (settled only).</param>
/// <param name="Charged">Tokens charged (settled only).</param>
/// <param name="Released">Tokens returned to the balance.</param>
/// <param name="Expired">Allowance tokens of an ended month that expired instead of returning.</param>
/// <param name="TransactionId">The charge transaction (settled only).</param>
internal sealed record ReservationEnd(
    ReservationStatus Status,
    long EndedMs,
    int? SettledQuantity,
    long? Charged,
    long Released,
    long Expired,
    string? TransactionId);
