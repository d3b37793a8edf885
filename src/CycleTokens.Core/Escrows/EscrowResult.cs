namespace CycleTokens.Core.Escrows;

/// <summary>The outcome of creating, releasing or cancelling an escrow.</summary>
/// <param name="Escrow">The escrow after the action.</param>
/// <param name="BalanceAfter">The user's balance after.</param>
/// <param name="Replayed">True when this is the stored outcome of an earlier call with the same key.</param>
public sealed record EscrowResult(Escrow Escrow, long BalanceAfter, bool Replayed)
{
    /// <summary>
    /// The signed receipt (compact JWS, agent-billing spec §3) of the escrow movement (hold, release or cancel), or null when the ledger is configured
    /// without receipt keys. A keyed replay returns the very same token.
    /// </summary>
    public string? Receipt { get; init; }
}
