using CycleTokens.Core.Pricing;

namespace CycleTokens.Core.Charges;

/// <summary>A committed charge.</summary>
/// <param name="TransactionId">The journal transaction.</param>
/// <param name="Operation">The operation charged.</param>
/// <param name="BasePrice">Catalogue (or default) price of one operation.</param>
/// <param name="UnitPrice">Price of one operation after the cache discount.</param>
/// <param name="Cached">True when the cache discount applied.</param>
/// <param name="Quantity">Operations covered.</param>
/// <param name="BatchDiscountPct">Batch discount applied, in percent.</param>
/// <param name="Charged">Tokens debited.</param>
/// <param name="CreatorId">The creator credited, or null.</param>
/// <param name="CreatorShare">Tokens credited to the creator.</param>
/// <param name="PlatformShare">Tokens credited to the platform.</param>
/// <param name="BalanceAfter">The user's balance after the charge.</param>
/// <param name="PricedBy">Catalogue or default price.</param>
/// <param name="Timestamp">When it was committed.</param>
/// <param name="Replayed">True when this is the stored outcome of an earlier call with the same key.</param>
public sealed record ChargeResult(
    string TransactionId,
    string Operation,
    long BasePrice,
    long UnitPrice,
    bool Cached,
    int Quantity,
    int BatchDiscountPct,
    long Charged,
    string? CreatorId,
    long CreatorShare,
    long PlatformShare,
    long BalanceAfter,
    PricedBy PricedBy,
    DateTimeOffset Timestamp,
    bool Replayed)
{
    /// <summary>
    /// The signed receipt (compact JWS, agent-billing spec §3) of the charge, or null when the ledger is configured
    /// without receipt keys. A keyed replay returns the very same token.
    /// </summary>
    public string? Receipt { get; init; }
}
