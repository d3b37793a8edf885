namespace CycleTokens.Core.Storage;

/// <summary>One backend opened for the engine: its connection and a store per concern, all over that connection.</summary>
internal sealed class LedgerStores : IDisposable
{
    /// <summary>Transaction control.</summary>
    public required ILedgerConnection Connection { get; init; }

    /// <summary>Where the ledger is, as shown to an operator (a file path, or a PostgreSQL location without password).</summary>
    public required string Location { get; init; }

    /// <summary>SQLite's online backup; null where the backend has its own tools (PostgreSQL: pg_dump).</summary>
    public IOnlineBackup? Backup { get; init; }

    /// <summary>The journal writer.</summary>
    public required IJournalStore Journal { get; init; }

    /// <summary>Usage months.</summary>
    public required IUsageStore Usage { get; init; }

    /// <summary>Purchases.</summary>
    public required IPurchaseStore Purchases { get; init; }

    /// <summary>API keys.</summary>
    public required IApiKeyStore ApiKeys { get; init; }

    /// <summary>Escrows.</summary>
    public required IEscrowStore Escrows { get; init; }

    /// <summary>Reservations.</summary>
    public required IReservationStore Reservations { get; init; }

    /// <summary>User rows.</summary>
    public required IUserStore Users { get; init; }

    /// <summary>Stored outcomes of keyed calls.</summary>
    public required IIdempotencyStore Idempotency { get; init; }

    /// <summary>The discount cache.</summary>
    public required IDiscountCacheStore DiscountCache { get; init; }

    /// <summary>Accounts of every kind.</summary>
    public required IAccountStore Accounts { get; init; }

    /// <summary>Journal reads.</summary>
    public required IHistoryStore History { get; init; }

    /// <summary>Refunds.</summary>
    public required IRefundStore Refunds { get; init; }

    /// <summary>Receipt checks' journal reads.</summary>
    public required IReceiptStore Receipts { get; init; }

    /// <summary>Verification reads.</summary>
    public required IVerificationStore Verification { get; init; }

    /// <summary>Whole tables, for copying the ledger to another store.</summary>
    public required ITableStore Tables { get; init; }

    /// <summary>Budgets: credentials' daily totals and the holds counted in them.</summary>
    public required ICredentialSpendStore CredentialSpend { get; init; }

    /// <summary>Low-balance thresholds and alert state.</summary>
    public required ILowBalanceStore LowBalance { get; init; }

    /// <inheritdoc />
    public void Dispose() => Connection.Dispose();
}
