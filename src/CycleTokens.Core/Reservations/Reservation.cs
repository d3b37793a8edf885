using CycleTokens.Core.Pricing;

namespace CycleTokens.Core.Reservations;

/// <summary>A price quoted and its total held from the balance before an operation runs (agent-billing spec §1).</summary>
/// <remarks>
/// The unit price is fixed when the reservation is made; a settle charges at it. Held tokens are not part of the
/// balance until the reservation ends. The figures of the end (<see cref="SettledQuantity"/> to
/// <see cref="TransactionId"/>) are null while it is held.
/// </remarks>
/// <param name="Id">The reservation id (<c>res_…</c>).</param>
/// <param name="Account">The user whose tokens are held.</param>
/// <param name="Operation">The operation reserved.</param>
/// <param name="Quantity">Operations reserved.</param>
/// <param name="BasePrice">Catalogue (or default) price of one operation when reserved.</param>
/// <param name="UnitPrice">Price of one operation after the cache discount: what a settle charges per unit.</param>
/// <param name="Cached">True when the cache discount applied to the unit price.</param>
/// <param name="BatchDiscountPct">The batch discount of the reserved quantity, in percent.</param>
/// <param name="Held">Tokens held: the total a charge of <see cref="Quantity"/> would have cost.</param>
/// <param name="CreatorId">The creator a settle credits, or null.</param>
/// <param name="PricedBy">Catalogue or default price.</param>
/// <param name="Status">Held, settled, voided or expired.</param>
/// <param name="CreatedAt">When it was made.</param>
/// <param name="ExpiresAt">When a held reservation expires (the whole hold returns then).</param>
/// <param name="EndedAt">When it was settled, voided or expired; null while held.</param>
/// <param name="SettledQuantity">Operations charged for by the settle; null unless settled.</param>
/// <param name="Charged">Tokens the settle charged; null unless settled.</param>
/// <param name="Released">Tokens returned to the balance when it ended; null while held.</param>
/// <param name="Expired">Allowance tokens of an ended month that expired instead of returning; null while held.</param>
/// <param name="TransactionId">The settle's charge transaction; null unless settled.</param>
/// <param name="Metadata">The caller's metadata as canonical JSON, or null.</param>
public sealed record Reservation(
    string Id,
    string Account,
    string Operation,
    int Quantity,
    long BasePrice,
    long UnitPrice,
    bool Cached,
    int BatchDiscountPct,
    long Held,
    string? CreatorId,
    PricedBy PricedBy,
    ReservationStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? EndedAt,
    int? SettledQuantity,
    long? Charged,
    long? Released,
    long? Expired,
    string? TransactionId,
    string? Metadata);
