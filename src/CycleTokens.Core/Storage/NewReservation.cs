using CycleTokens.Core.Pricing;

namespace CycleTokens.Core.Storage;

/// <summary>A reservation as first stored: held, with its fixed price, the parts it drew and the journal row that holds it.</summary>
/// <param name="Id">The reservation id.</param>
/// <param name="Account">The user whose tokens it holds.</param>
/// <param name="Operation">The operation reserved.</param>
/// <param name="ParamsHash">The canonical params' hash (the settle's discount cache entry).</param>
/// <param name="Quote">The price: base and unit price, cache and batch discount, total (the tokens held), priced by.</param>
/// <param name="CreatorId">The creator a settle credits, or null.</param>
/// <param name="AllowancePart">The part drawn from the monthly allowance.</param>
/// <param name="PurchasedPart">The part drawn from purchased tokens.</param>
/// <param name="MonthKey">The month the allowance part belongs to.</param>
/// <param name="HoldSeq">The sequence number of the hold's journal row.</param>
/// <param name="Metadata">The caller's JSON object, or null.</param>
/// <param name="CreatedMs">When it was made, in Unix milliseconds.</param>
/// <param name="ExpiresMs">When it expires, in Unix milliseconds.</param>
/// <param name="BudgetHold">Whether the hold was counted on a credential's budget day (remembered in <c>budget_holds</c>).</param>
internal sealed record NewReservation(
    string Id,
    string Account,
    string Operation,
    string ParamsHash,
    PriceQuote Quote,
    string? CreatorId,
    long AllowancePart,
    long PurchasedPart,
    int MonthKey,
    long HoldSeq,
    string? Metadata,
    long CreatedMs,
    long ExpiresMs,
    bool BudgetHold);
