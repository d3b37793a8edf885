namespace CycleTokens.Core.Reservations;

/// <summary>Where a reservation stands. Settled, voided and expired are final.</summary>
public enum ReservationStatus
{
    /// <summary>The quoted total is held in <c>hold:&lt;id&gt;</c>; the operation may run.</summary>
    Held,

    /// <summary>The operation ran: what it used was charged and the rest of the hold returned.</summary>
    Settled,

    /// <summary>The operation did not run (or settled with quantity 0): the whole hold returned.</summary>
    Voided,

    /// <summary>Nobody settled or voided it before its expiry: the whole hold returned then.</summary>
    Expired,
}
