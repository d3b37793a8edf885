using CycleTokens.Core.Reservations;

namespace CycleTokens.Core.Storage;

/// <summary>A stored reservation with what only the engine needs: the params' hash, the parts the hold drew, its month and row.</summary>
/// <param name="Reservation">The reservation as callers see it.</param>
/// <param name="ParamsHash">The canonical params' hash.</param>
/// <param name="AllowancePart">The part of the hold drawn from the monthly allowance.</param>
/// <param name="PurchasedPart">The part of the hold drawn from purchased tokens.</param>
/// <param name="MonthKey">The month the allowance part belongs to.</param>
/// <param name="HoldSeq">The sequence number of the hold's journal row.</param>
/// <param name="BudgetHold">Whether the hold was counted on a credential's budget day, so its end gives some back.</param>
internal sealed record StoredReservation(
    Reservation Reservation,
    string ParamsHash,
    long AllowancePart,
    long PurchasedPart,
    int MonthKey,
    long HoldSeq,
    bool BudgetHold);
