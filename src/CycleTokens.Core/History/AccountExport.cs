using CycleTokens.Core.Accounts;
using CycleTokens.Core.Escrows;

namespace CycleTokens.Core.History;

/// <summary>Everything the ledger holds about a user since the last clear (the original's JSON export).</summary>
/// <param name="Balance">The balance and its parts, tier and month.</param>
/// <param name="Transactions">All transactions, oldest first.</param>
/// <param name="Escrows">All escrows, oldest first.</param>
/// <param name="CachedOperations">Entries in the cache-discount memory that are still within the window.</param>
public sealed record AccountExport(Balance Balance, IReadOnlyList<TransactionRecord> Transactions, IReadOnlyList<Escrow> Escrows, int CachedOperations);
