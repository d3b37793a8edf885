namespace CycleTokens.Core;

/// <summary>The kinds of expected failure the engine reports through <see cref="LedgerException"/>.</summary>
public enum LedgerErrorCode
{
    /// <summary>An argument broke a rule; <see cref="LedgerException.Field"/> names it.</summary>
    InvalidArgument,

    /// <summary>The balance does not cover the amount; nothing moved.</summary>
    InsufficientTokens,

    /// <summary>No such escrow, reservation, purchase, transaction or account is visible to the caller.</summary>
    NotFound,

    /// <summary>The escrow has already been released or cancelled.</summary>
    EscrowNotHeld,

    /// <summary>An idempotency key was reused with different arguments.</summary>
    IdempotencyKeyReused,

    /// <summary>The transaction has already been refunded.</summary>
    AlreadyRefunded,

    /// <summary>The operation is not in the catalogue and the catalogue rejects unknown names.</summary>
    UnknownOperation,

    /// <summary>The file fails SQLite's integrity check, so a backup was refused (it would copy the damage).</summary>
    IntegrityCheckFailed,

    /// <summary>The API key has been revoked: revocation is final, so it cannot be changed.</summary>
    KeyRevoked,

    /// <summary>The debit is above the credential's max_per_call, or would take its UTC-day total above max_per_day.</summary>
    BudgetExceeded,

    /// <summary>
    /// The debit is above the credential's confirm_above and the human has not confirmed it (or confirmed less than it
    /// now needs); <see cref="LedgerException.Debit"/> says what it is. Never stored as a keyed call's outcome.
    /// </summary>
    ConfirmationRequired,

    /// <summary>The reservation has already been settled or voided.</summary>
    ReservationNotHeld,

    /// <summary>The reservation expired before it was settled or voided; its hold has returned.</summary>
    ReservationExpired,
}
