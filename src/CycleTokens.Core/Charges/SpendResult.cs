namespace CycleTokens.Core.Charges;

/// <summary>A committed spend.</summary>
/// <param name="TransactionId">The journal transaction.</param>
/// <param name="Operation">The operation named by the caller.</param>
/// <param name="Charged">Tokens debited.</param>
/// <param name="BalanceAfter">The user's balance after.</param>
/// <param name="Timestamp">When it was committed.</param>
/// <param name="Replayed">True when this is the stored outcome of an earlier call with the same key.</param>
public sealed record SpendResult(string TransactionId, string Operation, long Charged, long BalanceAfter, DateTimeOffset Timestamp, bool Replayed)
{
    /// <summary>
    /// The signed receipt (compact JWS, agent-billing spec §3) of the spend, or null when the ledger is configured
    /// without receipt keys. A keyed replay returns the very same token.
    /// </summary>
    public string? Receipt { get; init; }
}
