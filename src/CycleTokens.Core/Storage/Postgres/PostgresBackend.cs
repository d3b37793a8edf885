using CycleTokens.Core.Accounts;
using CycleTokens.Core.Ids;
using CycleTokens.Core.Storage.Sql;

namespace CycleTokens.Core.Storage.Postgres;

/// <summary>Opens a PostgreSQL ledger and the SQL stores over its one connection.</summary>
internal static class PostgresBackend
{
    /// <summary>Connects, migrates (unless read-only) and returns the stores.</summary>
    /// <exception cref="LedgerOpenException">Malformed URI, unreachable server, not a ledger, or a newer schema.</exception>
    internal static LedgerStores Open(LedgerOptions options, IIdGenerator ids, MonthCalendar months)
    {
        var session = PostgresSession.Open(options);
        var usage = new UsageMonths(session, months);
        if (!options.ReadOnly)
        {
            try
            {
                // A new PostgreSQL ledger owes none; one copied from a SQLite file that still owed its usage totals does.
                usage.FillIfPending();
            }
            catch
            {
                session.Dispose();
                throw;
            }
        }

        return new LedgerStores
        {
            Connection = session,
            Location = session.Location,
            // PostgreSQL is copied with its own tools (pg_dump), not by the engine.
            Backup = null,
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
            // PostgreSQL checks its own pages (data checksums, amcheck): verify's findings come from the journal scan.
            Verification = new SqlVerificationStore(session, static () => []),
            Tables = new PostgresTableStore(session, new SqlTableStore(session)),
            CredentialSpend = new SqlCredentialSpendStore(session),
            LowBalance = new SqlLowBalanceStore(session),
        };
    }
}
