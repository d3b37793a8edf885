namespace CycleTokens.Core.Admin;

/// <summary>A committed grant.</summary>
/// <param name="TransactionId">The journal transaction.</param>
/// <param name="Account">The user credited.</param>
/// <param name="Amount">Tokens granted (to the purchased part; they never expire).</param>
/// <param name="Source">The grant's label, e.g. <c>grant</c> or <c>bonus</c>.</param>
/// <param name="BalanceAfter">The user's balance after.</param>
/// <param name="Replayed">True when this is the stored outcome of an earlier call with the same key.</param>
public sealed record GrantResult(string TransactionId, string Account, long Amount, string Source, long BalanceAfter, bool Replayed)
{
    /// <summary>
    /// The signed receipt (compact JWS, agent-billing spec §3) of the grant, or null when the ledger is configured
    /// without receipt keys. A keyed replay returns the very same token.
    /// </summary>
    public string? Receipt { get; init; }
}
