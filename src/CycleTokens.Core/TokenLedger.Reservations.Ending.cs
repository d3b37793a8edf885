using CycleTokens.Core.Accounts;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Events;
using CycleTokens.Core.History;
using CycleTokens.Core.Pricing;
using CycleTokens.Core.Reservations;
using CycleTokens.Core.Storage;
using CycleTokens.Core.Storage.Sql;

namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    /// <summary>
    /// Settles a held reservation for <paramref name="quantity"/> (at least 1) units: what is left of the hold once the
    /// units are paid returns to the parts it came from (an allowance part of an ended month expiring instead), then one
    /// ordinary charge at the reserved unit price is paid from the hold, which ends empty.
    /// </summary>
    private (Reservation Ended, ChargeResult Charge) Settle(string account, UserRow user, StoredReservation stored, int quantity, string? metadata, string? key)
    {
        var reservation = stored.Reservation;
        var batchPct = Catalog.BatchDiscountFor(quantity);
        // The hold is the most a reservation costs: fewer units may earn a smaller batch discount, never a dearer total.
        var total = Math.Min(CeilDiv(checked(reservation.UnitPrice * quantity * (100 - batchPct)), 100), reservation.Held);
        var (released, expired, returnedBalance) = ReleaseRest(account, user.MonthKey, stored, total, "settled", key: null);

        var quote = new PriceQuote(
            reservation.Operation, reservation.BasePrice, reservation.UnitPrice, reservation.Cached,
            reservation.Cached ? 100 - Catalog.CachePayPct : 0, quantity, batchPct, total, reservation.PricedBy, 0);
        var charge = PostCharge(
            account,
            user,
            new ChargePosting(quote, stored.ParamsHash, reservation.CreatorId, metadata ?? reservation.Metadata, key, [new Posting(AccountNames.Hold(reservation.Id), Posting.Main, -total)], user.MonthKey, reservation.Id)
            {
                // Paid from the hold, the charge leaves the balance where the state read (or the return of the rest) left it.
                Balance = returnedBalance ?? user.Balance,
            });
        var end = new ReservationEnd(ReservationStatus.Settled, _nowMs, quantity, total, released, expired, charge.TransactionId);
        _reservations.End(reservation.Id, end);
        if (stored.BudgetHold)
        {
            // Only what was charged stays counted on the budget day of the hold.
            SettleHold(reservation.Id, reservation.Held - total);
        }
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
        return (Ended(reservation, end), charge);
    }

    /// <summary>
    /// Ends a held reservation without a charge (voided, settled with 0, expired, cleared): the whole hold returns.
    /// Returns the reservation as it ended and the user's balance after.
    /// </summary>
    private (Reservation Ended, long Balance) EndReservation(string account, int monthKey, StoredReservation stored, ReservationStatus status, string reason, string? key)
    {
        var reservation = stored.Reservation;
        var (released, expired, balance) = ReleaseRest(account, monthKey, stored, 0, reason, key);
        // A zero-price reservation held nothing, so nothing was posted: the balance is as it was.
        var balanceAfter = balance ?? LoadUser(account)!.Balance;
        var end = new ReservationEnd(status, _nowMs, null, null, released, expired, null);
        _reservations.End(reservation.Id, end);
        if (stored.BudgetHold)
        {
            SettleHold(reservation.Id, reservation.Held);
        }
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
            ("balance", balanceAfter));
        return (Ended(reservation, end), balanceAfter);
    }

    /// <summary>
    /// Posts the return of what a hold keeps beyond the <paramref name="charged"/> tokens a settle takes from it (those
    /// come from its allowance part first, as the hold was drawn): the purchased rest returns, the allowance rest returns
    /// too unless its month (the reservation's) is before <paramref name="monthKey"/>, the user's, in which case it
    /// expires to <c>system:expired</c>. Returns the tokens returned, the tokens expired, and the balance after, null
    /// when nothing was left to post.
    /// </summary>
    private (long Released, long Expired, long? Balance) ReleaseRest(string account, int monthKey, StoredReservation stored, long charged, string reason, string? key)
    {
        var reservation = stored.Reservation;
        var rest = reservation.Held - charged;
        if (rest == 0)
        {
            return (0, 0, null);
        }

        var restOfAllowance = stored.AllowancePart - Math.Min(stored.AllowancePart, charged);
        var expired = stored.MonthKey < monthKey ? restOfAllowance : 0;
        var released = rest - expired;
        var hold = AccountNames.Hold(reservation.Id);
        var row = _journal.Append(
            new TxDraft(
                TransactionKind.Reservation.ToWireName(),
                TransactionType.ReservationRelease.ToWireName(),
                account,
                reservation.Operation,
                released,
                hold,
                [
                    new Posting(hold, Posting.Main, -rest),
                    new Posting(account, Posting.Allowance, restOfAllowance - expired),
                    new Posting(account, Posting.Purchased, rest - restOfAllowance),
                    new Posting(AccountNames.SystemExpired, Posting.Main, expired),
                ])
            {
                IdempotencyKey = key,
                Ref = reservation.Id,
                Details = $"{{\"reason\":\"{reason}\",\"charged\":{charged},\"returned\":{released},\"expired\":{expired}}}",
            },
            _nowMs,
            monthKey);
        return (released, expired, row.BalanceAfter);
    }

    /// <summary>
    /// A refund's reversal of a settle's payment from a hold (<paramref name="paid"/>, negative): the tokens go back to the
    /// parts the hold drew them from, allowance first, as the settle took them; an allowance part whose month (the
    /// reservation's) has ended expires instead. Adds the postings; returns the tokens expired.
    /// </summary>
    private long ReverseHoldPayment(Posting paid, string account, int monthKey, List<Posting> reversed)
    {
        var stored = _reservations.Load(paid.Account["hold:".Length..])!;
        var amount = -paid.Amount;
        var fromAllowance = Math.Min(stored.AllowancePart, amount);
        var expired = stored.MonthKey < monthKey ? fromAllowance : 0;
        reversed.Add(new Posting(account, Posting.Allowance, fromAllowance - expired));
        reversed.Add(new Posting(account, Posting.Purchased, amount - fromAllowance));
        reversed.Add(new Posting(AccountNames.SystemExpired, Posting.Main, expired));
        return expired;
    }

    /// <summary>Part of every touch of the user: expires held reservations past their expiry, oldest first.</summary>
    private void ExpireDueReservations(string account)
    {
        var due = _reservations.DueIds(account, _nowMs);
        if (due.Count == 0)
        {
            return;
        }

        var monthKey = LoadUser(account)!.MonthKey;
        foreach (var id in due)
        {
            EndReservation(account, monthKey, _reservations.Load(id)!, ReservationStatus.Expired, "expired", null);
        }
    }

    /// <summary>Voids every held reservation of the user (a clear); returns how many.</summary>
    private int VoidAllHeldReservations(string account)
    {
        var ids = _reservations.HeldIds(account);
        var monthKey = LoadUser(account)!.MonthKey;
        foreach (var id in ids)
        {
            EndReservation(account, monthKey, _reservations.Load(id)!, ReservationStatus.Voided, "cleared", null);
        }

        return ids.Count;
    }

    /// <summary>The user's reservation, or NotFound when it does not exist, is another user's or is from before a clear.</summary>
    private StoredReservation OwnReservation(string account, string reservationId, UserRow user)
    {
        // Read with the user's state when the write named it, under this lock and with nothing written since.
        var stored = _checkedReservation is { } c && c.Id == reservationId ? c.Stored : _reservations.Load(reservationId);
        _checkedReservation = null;
        return stored is not null && stored.Reservation.Account == account && stored.HoldSeq > user.HistoryStart
            ? stored
            : throw LedgerException.NotFound("Reservation", "reservation_id", reservationId);
    }

    /// <summary>The user's reservation if it is still held; otherwise why it cannot be settled or voided.</summary>
    private StoredReservation HeldReservation(string account, string reservationId, UserRow user)
    {
        var stored = OwnReservation(account, reservationId, user);
        return stored.Reservation.Status switch
        {
            ReservationStatus.Held => stored,
            ReservationStatus.Expired => throw new LedgerException(LedgerErrorCode.ReservationExpired, $"Reservation {reservationId} has expired", "reservation_id"),
            var status => throw new LedgerException(
                LedgerErrorCode.ReservationNotHeld,
                $"Reservation {reservationId} is not held (status: {SqlReservationStore.StatusName(status)})",
                "reservation_id"),
        };
    }

    /// <summary>A new reservation as stored (held), without reading it back.</summary>
    private static Reservation Held(NewReservation r) => new(
        r.Id, r.Account, r.Operation, r.Quote.Quantity, r.Quote.BasePrice, r.Quote.UnitPrice, r.Quote.Cached, r.Quote.BatchDiscountPct,
        r.Quote.TotalPrice, r.CreatorId, r.Quote.PricedBy, ReservationStatus.Held, FromMs(r.CreatedMs), FromMs(r.ExpiresMs),
        null, null, null, null, null, null, r.Metadata);

    /// <summary>A reservation as it ended, without reading it back.</summary>
    private static Reservation Ended(Reservation r, ReservationEnd end) => r with
    {
        Status = end.Status,
        EndedAt = FromMs(end.EndedMs),
        SettledQuantity = end.SettledQuantity,
        Charged = end.Charged,
        Released = end.Released,
        Expired = end.Expired,
        TransactionId = end.TransactionId,
    };
}
