namespace CycleTokens.Core.Verification;

/// <summary>The result of recomputing the chain and every balance from the journal.</summary>
/// <param name="Ok">True when no problem was found.</param>
/// <param name="Transactions">Transactions checked.</param>
/// <param name="Accounts">Accounts checked.</param>
/// <param name="PostingsSum">The sum of all postings (0 when balanced).</param>
/// <param name="HashChainOk">True when every stored hash matched its recomputation.</param>
/// <param name="Problems">Each discrepancy, one sentence each.</param>
public sealed record VerificationReport(bool Ok, long Transactions, long Accounts, long PostingsSum, bool HashChainOk, IReadOnlyList<string> Problems);
