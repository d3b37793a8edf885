namespace CycleTokens.Core.Storage;

/// <summary>An escrow as first stored: held, with the parts it was drawn from and the journal row that holds it.</summary>
/// <param name="Id">The escrow id.</param>
/// <param name="Account">The user whose tokens it holds.</param>
/// <param name="Amount">Tokens held.</param>
/// <param name="AllowancePart">The part drawn from the monthly allowance.</param>
/// <param name="PurchasedPart">The part drawn from purchased tokens.</param>
/// <param name="MonthKey">The month the allowance part belongs to.</param>
/// <param name="HoldSeq">The sequence number of the hold's journal row.</param>
/// <param name="JobId">The job it pays for.</param>
/// <param name="FabId">The fab paid on release.</param>
/// <param name="Metadata">The caller's JSON object, or null.</param>
/// <param name="CreatedMs">When it was created, in Unix milliseconds.</param>
/// <param name="ExpiresMs">When it expires, in Unix milliseconds, or null for never.</param>
internal sealed record NewEscrow(
    string Id,
    string Account,
    long Amount,
    long AllowancePart,
    long PurchasedPart,
    int MonthKey,
    long HoldSeq,
    string JobId,
    string FabId,
    string? Metadata,
    long CreatedMs,
    long? ExpiresMs);
