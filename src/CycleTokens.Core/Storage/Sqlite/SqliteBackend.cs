using CycleTokens.Core.Accounts;
using CycleTokens.Core.Ids;
using CycleTokens.Core.Storage.Sql;

namespace CycleTokens.Core.Storage.Sqlite;

/// <summary>Opens a ledger file and the SQLite stores over its one connection.</summary>
internal static class SqliteBackend
{
    /// <summary>Opens (creates, migrates) the file and returns its stores.</summary>
    /// <exception cref="LedgerOpenException">The file cannot be opened: the message names the path and the cause.</exception>
    internal static LedgerStores Open(LedgerOptions options, IIdGenerator ids, MonthCalendar months)
    {
        var db = LedgerDatabase.Open(options);
        try
        {
            var usage = new UsageMonths(db, months);
            if (!options.ReadOnly)
            {
                // A read-only open cannot write the totals; it only ever verifies, which does not read them.
                usage.FillIfPending();
            }

            return new LedgerStores
            {
                Connection = db,
                Location = db.Path,
                Backup = db,
                Journal = new Journal(db, ids, usage),
                Usage = usage,
                Purchases = new SqlPurchaseStore(db),
                ApiKeys = new SqlApiKeyStore(db),
                Escrows = new SqlEscrowStore(db),
                Reservations = new SqlReservationStore(db),
                Users = new SqlUserStore(db),
                Idempotency = new SqlIdempotencyStore(db),
                DiscountCache = new SqlDiscountCacheStore(db),
                Accounts = new SqlAccountStore(db),
                History = new SqlHistoryStore(db),
                Refunds = new SqlRefundStore(db),
                Receipts = new SqlReceiptStore(db),
                Verification = new SqlVerificationStore(db, db.IntegrityProblems),
                Tables = new SqlTableStore(db),
                CredentialSpend = new SqlCredentialSpendStore(db),
                LowBalance = new SqlLowBalanceStore(db),
            };
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }
}
