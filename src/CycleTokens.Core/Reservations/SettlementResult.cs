using CycleTokens.Core.Charges;

namespace CycleTokens.Core.Reservations;

/// <summary>The outcome of settling a reservation: the ordinary charge it made and what returned to the balance.</summary>
/// <param name="Reservation">The reservation after the settle: settled, or voided when settled with quantity 0.</param>
/// <param name="Charge">The charge, exactly as <see cref="TokenLedger.ChargeAsync(string, Charges.ChargeRequest, CancellationToken)"/> reports one; null for quantity 0.</param>
/// <param name="BalanceAfter">The user's balance after the charge and the release of the rest.</param>
/// <param name="Replayed">True when this is the stored outcome of an earlier call with the same key.</param>
public sealed record SettlementResult(Reservation Reservation, ChargeResult? Charge, long BalanceAfter, bool Replayed);
