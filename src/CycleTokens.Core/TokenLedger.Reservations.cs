using System.Text.Json;
using CycleTokens.Core.Accounts;
using CycleTokens.Core.Budgets;
using CycleTokens.Core.Events;
using CycleTokens.Core.History;
using CycleTokens.Core.Idempotency;
using CycleTokens.Core.Reservations;
using CycleTokens.Core.Storage;
using CycleTokens.Core.Validation;

namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    /// <summary>The shortest expiry a reservation may ask for, in seconds.</summary>
    public const int MinReservationSeconds = 30;

    /// <summary>The longest expiry a reservation may ask for, in seconds (24 hours).</summary>
    public const int MaxReservationSeconds = 86_400;

    /// <summary>
    /// Prices an operation exactly as <see cref="ChargeAsync(string, Charges.ChargeRequest, CancellationToken)"/> would now (cache and batch discounts) and holds that total
    /// from the balance (allowance first) in <c>hold:&lt;id&gt;</c> until it is settled, voided or expires.
    /// </summary>
    /// <remarks>The unit price is fixed now: a settle charges at it, whatever the catalogue or cache say by then.</remarks>
    /// <exception cref="LedgerException">Invalid argument, insufficient tokens, or a key reused with other arguments.</exception>
    public Task<ReservationResult> ReserveAsync(string account, ReservationRequest request, CancellationToken cancellationToken = default) =>
        ReserveAsync(account, request, null, cancellationToken);

    /// <summary>
    /// As <see cref="ReserveAsync(string, ReservationRequest, CancellationToken)"/>, within <paramref name="spender"/>'s
    /// budget (none when null): the hold is a debit of the credential's UTC day, and what the reservation returns when it
    /// ends (all of it voided or expired, the unused part settled) is given back to that day.
    /// </summary>
    /// <exception cref="LedgerException">Also BudgetExceeded and ConfirmationRequired, as for a charge; nothing is written then.</exception>
    public Task<ReservationResult> ReserveAsync(string account, ReservationRequest request, Spender? spender, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckSpender(spender);
        Check.UserAccount(account);
        var op = CheckKnown(Check.OperationName(request.Operation));
        var paramsHash = _paramsHashes.Of(request.Params);
        var quantity = (int)Check.Amount(request.Quantity, "quantity", 1, 1_000_000);
        var creator = request.CreatorId is null ? null : Check.AccountId(request.CreatorId, "creator_id");
        var seconds = Check.Amount(request.ExpiresInSeconds ?? ReservationRequest.DefaultExpiresInSeconds, "expires_in_seconds", MinReservationSeconds, MaxReservationSeconds);
        var metadata = Check.JsonObject(request.Metadata, "metadata");
        var key = Check.IdempotencyKey(request.IdempotencyKey);
        var fingerprint = key is null ? null : Fingerprint.Of("reserve", op, paramsHash, quantity, creator, seconds, metadata);

        return WriteAsync(
            account,
            () => account,
            key,
            fingerprint,
            OutcomeJsonContext.Default.ReservationResult,
            () =>
            {
                var user = EnsureUser(account);
                var quote = Quote(user, op, paramsHash, quantity);
                var (fromAllowance, fromPurchased) = Draw(user, quote.TotalPrice);
                var id = _ids.NewId("res");
                var budgeted = CountHold(spender, id, "reservation_hold", quantity == 1 ? $"reservation for {op}" : $"reservation for {op} x {quantity}", quote.TotalPrice, user.Balance - quote.TotalPrice);
                var crossed = RecordDebit(user, user.Balance - quote.TotalPrice);
                var hold = AccountNames.Hold(id);
                var postings = DebitUser(account, fromAllowance, fromPurchased);
                postings.Add(new Posting(hold, Posting.Main, quote.TotalPrice));
                var row = _journal.Append(
                    new TxDraft(TransactionKind.Reservation.ToWireName(), TransactionType.ReservationHold.ToWireName(), account, op, quote.TotalPrice, hold, postings)
                    {
                        Metadata = metadata,
                        IdempotencyKey = key,
                        Ref = id,
                    },
                    _nowMs,
                    user.MonthKey);
                var expiresMs = _nowMs + (seconds * 1000);
                var stored = new NewReservation(id, account, op, paramsHash, quote, creator, fromAllowance, fromPurchased, user.MonthKey, row.Seq, metadata, _nowMs, expiresMs, budgeted);
                _reservations.Insert(stored);
                Emit(
                    LedgerEventNames.ReservationCreated,
                    account,
                    ("reservation_id", id),
                    ("operation", op),
                    ("quantity", (long)quantity),
                    ("unit_price", quote.UnitPrice),
                    ("held", quote.TotalPrice),
                    ("expires_at", FromMs(expiresMs)),
                    ("balance", row.BalanceAfter));
                RaiseLowBalance(crossed, account, row.BalanceAfter, row.Id);
                return new ReservationResult(Held(stored), row.BalanceAfter, Replayed: false);
            },
            static r => r with { Replayed = true },
            cancellationToken,
            new CacheKey(op, paramsHash));
    }

    /// <summary>
    /// The operation ran: charges for <paramref name="quantity"/> units (default all reserved; 0 voids) at the reserved
    /// unit price with the batch discount of that quantity, as one ordinary charge, and returns the rest of the hold to
    /// where it came from (an allowance part of an ended month expires instead).
    /// </summary>
    /// <remarks>
    /// The hold is the most a reservation can cost: settling fewer units, whose batch discount may be smaller, is charged
    /// at most the tokens held. The charge is paid from the hold (the balance does not move for it, as for an escrow's
    /// release); what is left of the hold is returned first, in a row of its own.
    /// </remarks>
    /// <exception cref="LedgerException">
    /// Invalid argument (a quantity above the reserved one), not found (or another user's), expired, already settled or
    /// voided, or a key reused with other arguments.
    /// </exception>
    public Task<SettlementResult> SettleReservationAsync(
        string account,
        string reservationId,
        int? quantity = null,
        JsonElement? metadata = null,
        string? idempotencyKey = null,
        CancellationToken cancellationToken = default)
    {
        Check.UserAccount(account);
        CheckId(reservationId, "reservation_id");
        if (quantity is { } q)
        {
            Check.Amount(q, "quantity", 0, 1_000_000);
        }

        var meta = Check.JsonObject(metadata, "metadata");
        var key = Check.IdempotencyKey(idempotencyKey);
        var fingerprint = key is null ? null : Fingerprint.Of("settle", reservationId, quantity, meta);

        return WriteAsync(
            account,
            () => account,
            key,
            fingerprint,
            OutcomeJsonContext.Default.SettlementResult,
            () =>
            {
                var user = EnsureUser(account);
                var stored = HeldReservation(account, reservationId, user);
                var reserved = stored.Reservation.Quantity;
                var settled = quantity ?? reserved;
                if (settled > reserved)
                {
                    throw LedgerException.Invalid("quantity", $"must be at most the reserved quantity {reserved}", settled.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }

                if (settled == 0)
                {
                    var (voided, balance) = EndReservation(account, user.MonthKey, stored, ReservationStatus.Voided, "settled with quantity 0", key);
                    return new SettlementResult(voided, null, balance, Replayed: false);
                }

                var (ended, charge) = Settle(account, user, stored, settled, meta, key);
                return new SettlementResult(ended, charge, charge.BalanceAfter, Replayed: false);
            },
            static r => r with { Replayed = true },
            cancellationToken,
            reservation: reservationId);
    }

    /// <summary>The operation did not run or failed: the whole hold returns (an allowance part of an ended month expires).</summary>
    /// <exception cref="LedgerException">Not found (or another user's), expired, already settled or voided, or a key reused with other arguments.</exception>
    public Task<ReservationResult> VoidReservationAsync(string account, string reservationId, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        Check.UserAccount(account);
        CheckId(reservationId, "reservation_id");
        var key = Check.IdempotencyKey(idempotencyKey);
        return WriteAsync(
            account,
            () => account,
            key,
            key is null ? null : Fingerprint.Of("void", reservationId),
            OutcomeJsonContext.Default.ReservationResult,
            () =>
            {
                var user = EnsureUser(account);
                var stored = HeldReservation(account, reservationId, user);
                var (voided, balance) = EndReservation(account, user.MonthKey, stored, ReservationStatus.Voided, "voided", key);
                return new ReservationResult(voided, balance, Replayed: false);
            },
            static r => r with { Replayed = true },
            cancellationToken,
            reservation: reservationId);
    }

    /// <summary>Returns one of the user's reservations (after expiring it, and any other, if due).</summary>
    /// <exception cref="LedgerException">The reservation does not exist or belongs to another user (NotFound).</exception>
    public Task<Reservation> GetReservationAsync(string account, string reservationId, CancellationToken cancellationToken = default) =>
        GetReservationAsync(account, reservationId, MissingUser.Create, cancellationToken);

    /// <summary>As <see cref="GetReservationAsync(string, string, CancellationToken)"/>, saying whether a missing user is created or refused.</summary>
    /// <exception cref="LedgerException">Not found, or the user does not exist and <paramref name="missing"/> is <see cref="MissingUser.Refuse"/> (NotFound; nothing is written).</exception>
    public Task<Reservation> GetReservationAsync(string account, string reservationId, MissingUser missing, CancellationToken cancellationToken = default)
    {
        Check.UserAccount(account);
        CheckId(reservationId, "reservation_id");
        return ReadAsync(account, () => OwnReservation(account, reservationId, LoadUser(account)!).Reservation, cancellationToken, missing: missing);
    }

    /// <summary>Lists the user's reservations, oldest first, optionally of one status.</summary>
    public Task<IReadOnlyList<Reservation>> ListReservationsAsync(string account, ReservationStatus? status = null, CancellationToken cancellationToken = default) =>
        ListReservationsAsync(account, status, MissingUser.Create, cancellationToken);

    /// <summary>As <see cref="ListReservationsAsync(string, ReservationStatus?, CancellationToken)"/>, saying whether a missing user is created or refused.</summary>
    /// <exception cref="LedgerException">The user does not exist and <paramref name="missing"/> is <see cref="MissingUser.Refuse"/> (NotFound; nothing is written).</exception>
    public Task<IReadOnlyList<Reservation>> ListReservationsAsync(string account, ReservationStatus? status, MissingUser missing, CancellationToken cancellationToken = default)
    {
        Check.UserAccount(account);
        if (status is { } s && !Enum.IsDefined(s))
        {
            throw LedgerException.Invalid("status", "must be one of held, settled, voided, expired", s.ToString());
        }

        return ReadAsync<IReadOnlyList<Reservation>>(
            account,
            () => _reservations.List(account, LoadUser(account)!.HistoryStart, status),
            cancellationToken,
            missing: missing);
    }
}
