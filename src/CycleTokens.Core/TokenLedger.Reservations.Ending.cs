using CycleTokens.Core.Accounts;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Events;
using CycleTokens.Core.History;
using CycleTokens.Core.Pricing;
using CycleTokens.Core.Reservations;
using CycleTokens.Core.Storage;
using CycleTokens.Core.Storage.Sqlite;

namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    /// <summary>
    /// Settles a held reservation for <paramref name="quantity"/> (at least 1) units: the hold returns to the user, then
    /// one ordinary charge at the reserved unit price takes what the units cost (allowance part first, as the hold was
    /// drawn); what is left of the hold stays returned, an allowance part of an ended month expiring instead.
    /// </summary>
    private ChargeResult Settle(string account, StoredReservation stored, int quantity, string? metadata, string? key)
    {
        var reservation = stored.Reservation;
        var batchPct = Catalog.BatchDiscountFor(quantity);
        // The hold is the most a reservation costs: fewer units may earn a smaller batch discount, never a dearer total.
        var total = Math.Min(CeilDiv(checked(reservation.UnitPrice * quantity * (100 - batchPct)), 100), reservation.Held);
        var fromAllowance = Math.Min(stored.AllowancePart, total);
        var (released, expired, _) = ReleaseHold(account, stored, total, "settled", key: null);

        var quote = new PriceQuote(
            reservation.Operation, reservation.BasePrice, reservation.UnitPrice, reservation.Cached,
            reservation.Cached ? 100 - Catalog.CachePayPct : 0, quantity, batchPct, total, reservation.PricedBy, 0);
        // The charge's allowance part is the reservation's month's (what a refund of it compares), not the current one.
        var charge = PostCharge(
            account,
            LoadUser(account)!,
            new ChargePosting(quote, stored.ParamsHash, reservation.CreatorId, metadata ?? reservation.Metadata, key, fromAllowance, total - fromAllowance, stored.MonthKey, reservation.Id));
        _reservations.End(reservation.Id, new ReservationEnd(ReservationStatus.Settled, _nowMs, quantity, total, released, expired, charge.TransactionId));
        Log.ReservationEnded(_logger, reservation.Id, account, ReservationStatus.Settled, "settled");
        Emit(
            LedgerEventNames.ReservationSettled,
            account,
            ("reservation_id", reservation.Id),
            ("operation", reservation.Operation),
            ("quantity", (long)quantity),
            ("held", reservation.Held),
            ("charged", total),
            ("released", released),
            ("expired", expired),
            ("transaction_id", charge.TransactionId),
            ("balance", charge.BalanceAfter));
        return charge;
    }

    /// <summary>Ends a held reservation without a charge (voided, settled with 0, expired, cleared); returns the balance after.</summary>
    private long EndReservation(string account, StoredReservation stored, ReservationStatus status, string reason, string? key)
    {
        var reservation = stored.Reservation;
        var (released, expired, balance) = ReleaseHold(account, stored, 0, reason, key);
        _reservations.End(reservation.Id, new ReservationEnd(status, _nowMs, null, null, released, expired, null));
        Log.ReservationEnded(_logger, reservation.Id, account, status, reason);
        Emit(
            status == ReservationStatus.Expired ? LedgerEventNames.ReservationExpired : LedgerEventNames.ReservationVoided,
            account,
            ("reservation_id", reservation.Id),
            ("operation", reservation.Operation),
            ("held", reservation.Held),
            ("released", released),
            ("expired", expired),
            ("reason", reason),
            ("balance", balance));
        return balance;
    }

    /// <summary>
    /// Posts the return of a hold to the parts it was drawn from; a settle's charge then takes its
    /// <paramref name="charged"/> tokens back from those parts. Of the rest, an allowance part whose month has ended
    /// expires to <c>system:expired</c> instead. Returns the tokens left in the balance once the charge is taken, the
    /// tokens expired, and the balance after the release.
    /// </summary>
    private (long Released, long Expired, long Balance) ReleaseHold(string account, StoredReservation stored, long charged, string reason, string? key)
    {
        var reservation = stored.Reservation;
        var user = LoadUser(account)!;
        var chargedFromAllowance = Math.Min(stored.AllowancePart, charged);
        var expired = stored.MonthKey < user.MonthKey ? stored.AllowancePart - chargedFromAllowance : 0;
        var released = reservation.Held - charged - expired;
        if (reservation.Held == 0)
        {
            // A zero-price reservation held nothing: there is nothing to post.
            return (0, 0, user.Balance);
        }

        var hold = AccountNames.Hold(reservation.Id);
        var row = _journal.Append(
            new TxDraft(
                TransactionKind.Reservation.ToWireName(),
                TransactionType.ReservationRelease.ToWireName(),
                account,
                reservation.Operation,
                reservation.Held - expired,
                hold,
                [
                    new Posting(hold, Posting.Main, -reservation.Held),
                    new Posting(account, Posting.Allowance, stored.AllowancePart - expired),
                    new Posting(account, Posting.Purchased, stored.PurchasedPart),
                    new Posting(AccountNames.SystemExpired, Posting.Main, expired),
                ])
            {
                IdempotencyKey = key,
                Ref = reservation.Id,
                Details = $"{{\"reason\":\"{reason}\",\"charged\":{charged},\"returned\":{released},\"expired\":{expired}}}",
            },
            _nowMs,
            user.MonthKey);
        return (released, expired, row.BalanceAfter);
    }

    /// <summary>Part of every touch of the user: expires held reservations past their expiry, oldest first.</summary>
    private void ExpireDueReservations(string account)
    {
        foreach (var id in _reservations.DueIds(account, _nowMs))
        {
            EndReservation(account, _reservations.Load(id)!, ReservationStatus.Expired, "expired", null);
        }
    }

    /// <summary>Voids every held reservation of the user (a clear); returns how many.</summary>
    private int VoidAllHeldReservations(string account)
    {
        var ids = _reservations.HeldIds(account);
        foreach (var id in ids)
        {
            EndReservation(account, _reservations.Load(id)!, ReservationStatus.Voided, "cleared", null);
        }

        return ids.Count;
    }

    /// <summary>The user's reservation, or NotFound when it does not exist, is another user's or is from before a clear.</summary>
    private StoredReservation OwnReservation(string account, string reservationId)
    {
        var stored = _reservations.Load(reservationId);
        return stored is not null && stored.Reservation.Account == account && stored.HoldSeq > LoadUser(account)!.HistoryStart
            ? stored
            : throw LedgerException.NotFound("Reservation", "reservation_id", reservationId);
    }

    /// <summary>The user's reservation if it is still held; otherwise why it cannot be settled or voided.</summary>
    private StoredReservation HeldReservation(string account, string reservationId)
    {
        var stored = OwnReservation(account, reservationId);
        return stored.Reservation.Status switch
        {
            ReservationStatus.Held => stored,
            ReservationStatus.Expired => throw new LedgerException(LedgerErrorCode.ReservationExpired, $"Reservation {reservationId} has expired", "reservation_id"),
            var status => throw new LedgerException(
                LedgerErrorCode.ReservationNotHeld,
                $"Reservation {reservationId} is not held (status: {SqliteReservationStore.StatusName(status)})",
                "reservation_id"),
        };
    }

    private Reservation LoadReservation(string reservationId) => _reservations.Load(reservationId)!.Reservation;
}
