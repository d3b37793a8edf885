using CycleTokens.Core.Escrows;

namespace CycleTokens.Core.Storage;

/// <summary>
/// The statements on the escrows' own table. Every call runs inside the engine's open transaction and is synchronous
/// for that reason; the rules (drawing, ownership, expiry, what a cancel returns) and the journal rows stay in the engine.
/// </summary>
internal interface IEscrowStore
{
    /// <summary>Stores a new held escrow.</summary>
    void Insert(NewEscrow escrow);

    /// <summary>The escrow with this id, or null.</summary>
    Escrow? Load(string id);

    /// <summary>An escrow known to exist, with the parts it was drawn from and the month of its allowance part.</summary>
    (Escrow Escrow, long AllowancePart, long PurchasedPart, int MonthKey) LoadParts(string id);

    /// <summary>The sequence number of the journal row that holds an escrow known to exist.</summary>
    long HoldSeq(string id);

    /// <summary>The user's escrows held after <paramref name="historyStart"/>, oldest first (then by id), of one status or any.</summary>
    List<Escrow> List(string account, long historyStart, EscrowStatus? status);

    /// <summary>Ids of the user's held escrows that expired at or before <paramref name="nowMs"/>, oldest first.</summary>
    List<string> DueIds(string account, long nowMs);

    /// <summary>Ids of the user's held escrows, oldest first.</summary>
    List<string> HeldIds(string account);

    /// <summary>Marks a held escrow released; one no longer held is left as it is.</summary>
    void Release(string id, long nowMs);

    /// <summary>Marks a held escrow cancelled; one no longer held is left as it is.</summary>
    void Cancel(string id, long nowMs);

    /// <summary>Tokens held in the user's held escrows.</summary>
    long HeldTotal(string account);
}
