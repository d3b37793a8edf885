namespace CycleTokens.Core.History;

/// <summary>What caused a transaction.</summary>
public enum TransactionKind
{
    /// <summary>A catalogue-priced operation was charged.</summary>
    Charge,

    /// <summary>A caller-given amount was spent on a named operation.</summary>
    Spend,

    /// <summary>An operator granted tokens.</summary>
    Grant,

    /// <summary>A completed purchase credited tokens.</summary>
    Purchase,

    /// <summary>The tier's monthly allowance was granted.</summary>
    Allowance,

    /// <summary>Unspent allowance expired.</summary>
    Expiry,

    /// <summary>An operator refunded a charge or spend.</summary>
    Refund,

    /// <summary>An escrow was created, released or cancelled.</summary>
    Escrow,

    /// <summary>An operator cleared the account; the balance moved to <c>system:cleared</c>.</summary>
    Clear,

    /// <summary>A reservation held its quoted total, or returned it when it ended (its settle's charge is a <see cref="Charge"/>).</summary>
    Reservation,
}
