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
}
