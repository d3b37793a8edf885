using CycleTokens.Core.Pricing;

namespace CycleTokens.Core.Charges;

/// <summary>A charge priced and drawn, ready to post: what the one code path of every charge needs.</summary>
/// <param name="Quote">The price; <see cref="PriceQuote.TotalPrice"/> is what the user pays.</param>
/// <param name="ParamsHash">The canonical params' hash (the discount cache entry the charge renews).</param>
/// <param name="Creator">The creator id credited with the royalty, or null.</param>
/// <param name="Metadata">The caller's metadata as canonical JSON, or null.</param>
/// <param name="IdempotencyKey">The call's key, recorded on the row, or null.</param>
/// <param name="FromAllowance">The part of the total drawn from the allowance.</param>
/// <param name="FromPurchased">The part of the total drawn from purchased tokens.</param>
/// <param name="MonthKey">The allowance month the allowance part belongs to (what a refund compares).</param>
/// <param name="Reference">What the charge settles (a reservation id), or null for a plain charge.</param>
internal sealed record ChargePosting(
    PriceQuote Quote,
    string ParamsHash,
    string? Creator,
    string? Metadata,
    string? IdempotencyKey,
    long FromAllowance,
    long FromPurchased,
    int MonthKey,
    string? Reference);
