namespace CycleTokens.Core.Events;

/// <summary>The names of engine events (product spec section 11).</summary>
public static class LedgerEventNames
{
    /// <summary>A charge or spend debited tokens.</summary>
    public const string TokenSpent = "token-spent";

    /// <summary>Tokens were credited: grant, completed purchase, refund, or a new account's first allowance.</summary>
    public const string TokenAdded = "token-added";

    /// <summary>The month turned: allowance expired and renewed.</summary>
    public const string MonthReset = "month-reset";

    /// <summary>An operator changed the tier.</summary>
    public const string TierChanged = "tier-changed";

    /// <summary>An escrow was created.</summary>
    public const string EscrowCreated = "escrow-created";

    /// <summary>An escrow paid its fab.</summary>
    public const string EscrowReleased = "escrow-released";

    /// <summary>An escrow was cancelled (by the user, on expiry or by a clear).</summary>
    public const string EscrowCancelled = "escrow-cancelled";

    /// <summary>A purchase was created.</summary>
    public const string PurchaseInitiated = "purchase-initiated";

    /// <summary>An operator cleared the account's data.</summary>
    public const string DataCleared = "data-cleared";

    /// <summary>A debit took the balance below the account's low-balance threshold (once per crossing).</summary>
    public const string LowBalance = "low-balance";

    /// <summary>A reservation held an operation's quoted total.</summary>
    public const string ReservationCreated = "reservation-created";

    /// <summary>A reservation was settled: its charge was made (with its own <c>token-spent</c>) and the rest returned.</summary>
    public const string ReservationSettled = "reservation-settled";

    /// <summary>A reservation was voided (by the user, a settle of quantity 0, or a clear): the whole hold returned.</summary>
    public const string ReservationVoided = "reservation-voided";

    /// <summary>A held reservation reached its expiry: the whole hold returned.</summary>
    public const string ReservationExpired = "reservation-expired";
}
