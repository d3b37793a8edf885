namespace CycleTokens.Core.Storage;

/// <summary>
/// Usage per user, calendar month and operation (count and tokens of charges and spends net of refunds since the last
/// clear), kept in the same transaction as the journal rows it sums.
/// </summary>
internal interface IUsageStore
{
    /// <summary>Counts a charge or spend (count 1) or takes a refunded one back (count -1, tokens negative).</summary>
    void Add(string account, long createdMs, string operation, long count, long tokens);

    /// <summary>Forgets the user's usage (a clear: usage counts only what follows it).</summary>
    void Clear(string account);

    /// <summary>Per operation, most tokens first (then by name): count and tokens in months [from, to).</summary>
    List<(string Operation, long Count, long Tokens)> Read(string account, int from, int to);
}
