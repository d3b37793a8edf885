using CycleTokens.Core.Pricing;
using CycleTokens.Core.Storage;

namespace CycleTokens.Core.Charges;

/// <summary>A charge priced and drawn, ready to post: what the one code path of every charge needs.</summary>
/// <param name="Quote">The price; <see cref="PriceQuote.TotalPrice"/> is what is paid.</param>
/// <param name="ParamsHash">The canonical params' hash (the discount cache entry the charge renews).</param>
/// <param name="Creator">The creator id credited with the royalty, or null.</param>
/// <param name="Metadata">The caller's metadata as canonical JSON, or null.</param>
/// <param name="IdempotencyKey">The call's key, recorded on the row, or null.</param>
/// <param name="Debit">
/// The postings that pay the total (summing to minus it): the user's allowance and purchased parts for a plain charge,
/// the reservation's hold for a settle.
/// </param>
/// <param name="MonthKey">The user's allowance month.</param>
/// <param name="Reference">What the charge settles (a reservation id), or null for a plain charge.</param>
internal sealed record ChargePosting(
    PriceQuote Quote,
    string ParamsHash,
    string? Creator,
    string? Metadata,
    string? IdempotencyKey,
    IReadOnlyList<Posting> Debit,
    int MonthKey,
    string? Reference)
{
    /// <summary>The user's balance, when <see cref="Debit"/> does not move it (a settle paid from the hold), or null.</summary>
    public long? Balance { get; init; }
}
