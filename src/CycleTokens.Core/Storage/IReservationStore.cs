using CycleTokens.Core.Reservations;

namespace CycleTokens.Core.Storage;

/// <summary>
/// The statements on the reservations' own table. Every call runs inside the engine's open transaction and is
/// synchronous for that reason; the rules (pricing, drawing, ownership, expiry, what a settle charges and returns) and
/// the journal rows stay in the engine.
/// </summary>
internal interface IReservationStore
{
    /// <summary>Stores a new held reservation.</summary>
    void Insert(NewReservation reservation);

    /// <summary>The reservation with this id and what the engine keeps about it, or null.</summary>
    StoredReservation? Load(string id);

    /// <summary>The user's reservations made after <paramref name="historyStart"/>, oldest first (in journal order), of one status or any.</summary>
    List<Reservation> List(string account, long historyStart, ReservationStatus? status);

    /// <summary>Ids of the user's held reservations that expired at or before <paramref name="nowMs"/>, oldest first.</summary>
    List<string> DueIds(string account, long nowMs);

    /// <summary>Ids of the user's held reservations, oldest first.</summary>
    List<string> HeldIds(string account);

    /// <summary>True when some held reservation, of any user, expired at or before <paramref name="nowMs"/>.</summary>
    bool AnyDue(long nowMs);

    /// <summary>Up to <paramref name="limit"/> users with a held reservation that expired at or before <paramref name="nowMs"/>.</summary>
    List<string> DueAccounts(long nowMs, int limit);

    /// <summary>Records how a held reservation ended; one no longer held is left as it is.</summary>
    void End(string id, ReservationEnd end);

    /// <summary>Tokens held in the user's held reservations.</summary>
    long HeldTotal(string account);

    /// <summary>Every reservation's id, status and tokens held, for verification.</summary>
    IEnumerable<(string Id, ReservationStatus Status, long Held)> Holds();
}
