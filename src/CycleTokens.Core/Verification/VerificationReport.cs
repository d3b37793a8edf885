namespace CycleTokens.Core.Verification;

/// <summary>The result of SQLite's integrity check and of recomputing the chain and every balance from the journal.</summary>
/// <param name="Ok">True when no problem was found.</param>
/// <param name="Transactions">Transactions checked.</param>
/// <param name="Accounts">Accounts checked.</param>
/// <param name="PostingsSum">The sum of all postings (0 when balanced).</param>
/// <param name="HashChainOk">True when every stored hash matched its recomputation.</param>
/// <param name="Problems">Each discrepancy, one sentence each; integrity check findings first, prefixed "SQLite integrity check: ".</param>
/// <param name="IntegrityOk">
/// True when <c>PRAGMA integrity_check</c> found the file sound: every page, index and constraint, including the pages
/// the journal scan never reads. False means the file itself is damaged, whatever the journal scan says.
/// </param>
public sealed record VerificationReport(bool Ok, long Transactions, long Accounts, long PostingsSum, bool HashChainOk, IReadOnlyList<string> Problems, bool IntegrityOk);
