namespace CycleTokens.Core.Admin;

/// <summary>A committed refund.</summary>
/// <param name="RefundTransactionId">The refund's journal transaction.</param>
/// <param name="RefundedTransactionId">The charge or spend it reverses.</param>
/// <param name="Refunded">Tokens returned to the user (an allowance part from an ended month expires instead).</param>
/// <param name="Expired">Tokens of that ended month's allowance that went to <c>system:expired</c>.</param>
/// <param name="BalanceAfter">The user's balance after.</param>
/// <param name="Replayed">True when this is the stored outcome of an earlier call with the same key.</param>
public sealed record RefundResult(string RefundTransactionId, string RefundedTransactionId, long Refunded, long Expired, long BalanceAfter, bool Replayed)
{
    /// <summary>
    /// The signed receipt (compact JWS, agent-billing spec §3) of the refund, or null when the ledger is configured
    /// without receipt keys. A keyed replay returns the very same token.
    /// </summary>
    public string? Receipt { get; init; }
}
