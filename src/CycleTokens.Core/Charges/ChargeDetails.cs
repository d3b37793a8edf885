namespace CycleTokens.Core.Charges;

/// <summary>What the journal keeps about how a charge was priced (the transaction's <c>details</c>).</summary>
internal sealed record ChargeDetails(
    long BasePrice,
    long UnitPrice,
    bool Cached,
    int Quantity,
    int BatchDiscountPct,
    string PricedBy,
    string ParamsHash,
    string? Creator,
    long CreatorShare,
    long PlatformShare);
