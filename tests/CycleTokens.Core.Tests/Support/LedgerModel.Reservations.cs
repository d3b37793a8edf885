using CycleTokens.Core.Reservations;

namespace CycleTokens.Core.Tests.Support;

/// <summary>Reservations (agent-billing spec §1), written from the spec: hold, settle, void, expire.</summary>
internal sealed partial class LedgerModel
{
    /// <summary><c>reservation-expired</c> events: reservations that reached their expiry while held.</summary>
    public int ExpiredReservations { get; private set; }

    public IReadOnlyDictionary<string, ModelReservation> Reservations => _reservations;

    /// <summary>Holds what a charge would cost now; the reservation's id is empty until <see cref="AddReservation"/>.</summary>
    public (ModelQuote Quote, ModelReservation Reservation) Reserve(
        string account, string operation, long basePrice, string paramsKey, int quantity, string? creatorId, int? expiresInSeconds, DateTimeOffset now)
    {
        var quote = Quote(account, operation, basePrice, paramsKey, quantity, now);
        var user = _users[account];
        var (fromAllowance, fromPurchased) = Draw(account, quote.Total);
        Transactions++;
        var nowMs = now.ToUnixTimeMilliseconds();
        return (quote, new ModelReservation(
            string.Empty, account, user.Generation, operation, paramsKey, quantity, quote.UnitPrice, quote.Total, fromAllowance, fromPurchased,
            user.MonthKey, creatorId, nowMs, nowMs + ((expiresInSeconds ?? 900) * 1000L), ReservationStatus.Held));
    }

    public void AddReservation(ModelReservation reservation) => _reservations[reservation.Id] = reservation;

    /// <summary>
    /// Charges <paramref name="quantity"/> (default all) units at the reserved unit price with their own batch discount,
    /// never more than the hold, taking the allowance part first; the rest returns (a row of its own, when there is a
    /// rest), an ended month's allowance expiring; the charge is paid from the hold.
    /// </summary>
    public ModelSettlement Settle(string account, string reservationId, int? quantity, DateTimeOffset now)
    {
        var user = Touch(account, now);
        var r = HeldReservation(account, reservationId);
        var units = quantity ?? r.Quantity;
        if (units > r.Quantity)
        {
            throw new ModelFailure(LedgerErrorCode.InvalidArgument, $"quantity must be at most the reserved quantity {r.Quantity} (got {units})");
        }

        if (units == 0)
        {
            var (released, expired) = End(r, ReservationStatus.Voided);
            return new ModelSettlement(null, released, expired, _users[account].Balance, ReservationStatus.Voided);
        }

        var batch = units >= 100 ? 50 : units >= 10 ? 25 : 0;
        var total = Math.Min(CeilDiv(r.UnitPrice * units * (100 - batch), 100), r.Held);
        var fromAllowance = Math.Min(r.AllowancePart, total);
        var fromPurchased = total - fromAllowance;
        var rest = r.Held - total;
        var lapsed = r.MonthKey < user.MonthKey ? r.AllowancePart - fromAllowance : 0;
        Credit(account, r.AllowancePart - fromAllowance - lapsed, r.PurchasedPart - fromPurchased);
        AddOther(SystemExpired, lapsed);
        var creatorShare = r.Creator is null ? 0 : ((2 * total * Royalty(user.Tier)) + 100) / 200;
        var creatorAccount = r.Creator is null ? null : "creator:" + r.Creator;
        if (creatorAccount is not null)
        {
            AddOther(creatorAccount, creatorShare);
        }

        AddOther(Platform, total - creatorShare);
        var nowMs = now.ToUnixTimeMilliseconds();
        _cache[(account, r.Operation, r.ParamsKey)] = nowMs;
        // The release of what the charge leaves of the hold (when it leaves anything), then the charge.
        Transactions += (rest > 0 ? 1 : 0) + 1;
        Spent++;
        _reservations[r.Id] = r with { Status = ReservationStatus.Settled };
        var debit = new ModelDebit(
            string.Empty, account, r.MonthKey, user.Generation, nowMs, total, fromAllowance, fromPurchased, creatorAccount, creatorShare, total - creatorShare);
        return new ModelSettlement(debit, r.Held - total - lapsed, lapsed, _users[account].Balance, ReservationStatus.Settled);
    }

    public (long Released, long Expired, long Balance) Void(string account, string reservationId, DateTimeOffset now)
    {
        Touch(account, now);
        var (released, expired) = End(HeldReservation(account, reservationId), ReservationStatus.Voided);
        return (released, expired, _users[account].Balance);
    }

    /// <summary>The server's sweep: every user with a held reservation past its expiry is touched; returns how many expired.</summary>
    public int Sweep(DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var before = ExpiredReservations;
        foreach (var account in _reservations.Values.Where(r => r.Status == ReservationStatus.Held && r.ExpiresMs <= nowMs).Select(r => r.Account).Distinct().ToList())
        {
            Touch(account, now);
        }

        return ExpiredReservations - before;
    }

    private long HeldInReservations(string account) =>
        _reservations.Values.Where(r => r.Account == account && r.Status == ReservationStatus.Held).Sum(r => r.Held);

    private void ExpireDueReservations(string account, long nowMs)
    {
        foreach (var r in HeldOf(account).Where(r => r.ExpiresMs <= nowMs).ToList())
        {
            End(r, ReservationStatus.Expired);
            ExpiredReservations++;
        }
    }

    private void VoidHeldReservations(string account)
    {
        foreach (var r in HeldOf(account).ToList())
        {
            End(r, ReservationStatus.Voided);
        }
    }

    private IEnumerable<ModelReservation> HeldOf(string account) =>
        _reservations.Values
            .Where(r => r.Account == account && r.Status == ReservationStatus.Held)
            .OrderBy(r => r.CreatedMs)
            .ThenBy(r => r.Id, StringComparer.Ordinal);

    private ModelReservation HeldReservation(string account, string reservationId)
    {
        var r = _reservations[reservationId];
        if (r.Account != account || r.Generation != _users[account].Generation)
        {
            throw new ModelFailure(LedgerErrorCode.NotFound, $"Reservation {reservationId} not found");
        }

        return r.Status switch
        {
            ReservationStatus.Held => r,
            ReservationStatus.Expired => throw new ModelFailure(LedgerErrorCode.ReservationExpired, $"Reservation {reservationId} has expired"),
            _ => throw new ModelFailure(LedgerErrorCode.ReservationNotHeld, $"Reservation {reservationId} is not held (status: {r.Status.ToString().ToLowerInvariant()})"),
        };
    }

    /// <summary>Returns the whole hold to its parts (an ended month's allowance part expires) and marks the reservation ended.</summary>
    private (long Released, long Expired) End(ModelReservation r, ReservationStatus status)
    {
        var expired = r.MonthKey < _users[r.Account].MonthKey ? r.AllowancePart : 0;
        Credit(r.Account, r.AllowancePart - expired, r.PurchasedPart);
        AddOther(SystemExpired, expired);
        if (r.Held > 0)
        {
            Transactions++;
        }

        _reservations[r.Id] = r with { Status = status };
        return (r.Held - expired, expired);
    }
}
