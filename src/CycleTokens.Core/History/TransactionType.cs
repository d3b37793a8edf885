namespace CycleTokens.Core.History;

/// <summary>The direction of a transaction from the user's side.</summary>
public enum TransactionType
{
    /// <summary>Tokens left the user's balance.</summary>
    Debit,

    /// <summary>Tokens entered the user's balance.</summary>
    Credit,

    /// <summary>Tokens moved from the balance into an escrow.</summary>
    EscrowHold,

    /// <summary>An escrow paid its fab; the user's balance did not change.</summary>
    EscrowRelease,

    /// <summary>An escrow returned its tokens (or expired their allowance part).</summary>
    EscrowCancel,

    /// <summary>Tokens moved from the balance into a reservation's hold.</summary>
    ReservationHold,

    /// <summary>A reservation's hold returned to the balance when it ended (an allowance part of an ended month expired instead).</summary>
    ReservationRelease,
}
