namespace CycleTokens.Core.Storage;

/// <summary>What a refund needs to know of the transaction it reverses.</summary>
/// <param name="Seq">Its position in the journal.</param>
/// <param name="Kind">Its kind (wire name).</param>
/// <param name="Account">The user it belongs to.</param>
/// <param name="MonthKey">The user's month when it was written.</param>
/// <param name="Counterparty">The account on the other side, or null.</param>
/// <param name="CreatedMs">When it was written, in Unix milliseconds.</param>
/// <param name="Operation">The operation charged, or null.</param>
/// <param name="Amount">Its amount.</param>
internal sealed record TxSummary(
    long Seq,
    string Kind,
    string Account,
    int MonthKey,
    string? Counterparty,
    long CreatedMs,
    string? Operation,
    long Amount);
