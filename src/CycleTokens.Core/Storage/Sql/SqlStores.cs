using CycleTokens.Core.Accounts;
using CycleTokens.Core.Ids;

namespace CycleTokens.Core.Storage.Sql;

/// <summary>The shared SQL stores over one backend's session: what a backend adds is only what is its own.</summary>
internal static class SqlStores
{
    /// <summary>
    /// Opens every store over <paramref name="session"/>, and (unless read-only) does the work a migration left to the
    /// engine. Disposes the session when that fails.
    /// </summary>
    /// <param name="session">The backend's open connection.</param>
    /// <param name="options">Whether the ledger was opened read-only.</param>
    /// <param name="ids">The id generator the journal uses.</param>
    /// <param name="months">The month calendar usage totals use.</param>
    /// <param name="location">Where the ledger is, as shown to an operator.</param>
    /// <param name="backup">The backend's online backup, if it has one.</param>
    /// <param name="integrityProblems">The backend's own page check.</param>
    /// <param name="tables">Whole tables for migrate-store (a backend may copy faster its own way).</param>
    internal static LedgerStores Open(
        ISqlSession session,
        LedgerOptions options,
        IIdGenerator ids,
        MonthCalendar months,
        string location,
        IOnlineBackup? backup,
        Func<List<string>> integrityProblems,
        ITableStore tables)
    {
        try
        {
            var usage = new UsageMonths(session, months);
            if (!options.ReadOnly)
            {
                // Owed by a file (or a copy of one) whose migration left the month totals to the engine; a read-only
                // open cannot write them, and verify does not read them.
                usage.FillIfPending();
            }

            return new LedgerStores
            {
                Connection = session,
                Location = location,
                Backup = backup,
                Journal = new Journal(session, ids, usage),
                Usage = usage,
                Purchases = new SqlPurchaseStore(session),
                ApiKeys = new SqlApiKeyStore(session),
                Escrows = new SqlEscrowStore(session),
                Reservations = new SqlReservationStore(session),
                Users = new SqlUserStore(session),
                Idempotency = new SqlIdempotencyStore(session),
                DiscountCache = new SqlDiscountCacheStore(session),
                Accounts = new SqlAccountStore(session),
                History = new SqlHistoryStore(session),
                Refunds = new SqlRefundStore(session),
                Receipts = new SqlReceiptStore(session),
                Verification = new SqlVerificationStore(session, integrityProblems),
                Tables = tables,
                CredentialSpend = new SqlCredentialSpendStore(session),
                LowBalance = new SqlLowBalanceStore(session),
            };
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }
}
