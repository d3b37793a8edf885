namespace CycleTokens.Core.Reservations;

/// <summary>The outcome of making or voiding a reservation.</summary>
/// <param name="Reservation">The reservation after the action.</param>
/// <param name="BalanceAfter">The user's balance after (held tokens are not part of it).</param>
/// <param name="Replayed">True when this is the stored outcome of an earlier call with the same key.</param>
public sealed record ReservationResult(Reservation Reservation, long BalanceAfter, bool Replayed);
