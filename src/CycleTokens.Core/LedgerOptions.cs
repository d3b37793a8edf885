namespace CycleTokens.Core;

/// <summary>How a <see cref="TokenLedger"/> opens its file and applies its rules.</summary>
public sealed record LedgerOptions
{
    /// <summary>Path of the SQLite ledger file, created with its folder on first use (never when <see cref="ReadOnly"/>), or a <c>postgresql://</c> URI.</summary>
    public required string DatabasePath { get; init; }

    /// <summary>
    /// Open for reading only (SQLite <c>Mode=ReadOnly</c>): nothing is created or written — no folder, no file, no
    /// migration, no write-queue side file, no journal mode change; the file must exist and have this build's schema.
    /// Writes throw <see cref="InvalidOperationException"/>. A ledger in use (with its <c>-wal</c>) is read through its
    /// log like any reader; one that no process has open (no <c>-wal</c>) is read without locks (SQLite
    /// <c>immutable</c>), so no <c>-wal</c>/<c>-shm</c> appears beside it, even in a read-only folder. Should another
    /// process write to it during such a read, the read fails with an <see cref="IOException"/> rather than return
    /// what may be a mix of two states. For verification and copies; reads that do due work (month resets) write.
    /// </summary>
    public bool ReadOnly { get; init; }

    /// <summary>Durability of commits. <see cref="SynchronousMode.Full"/> unless the operator accepts the trade-off.</summary>
    public SynchronousMode Synchronous { get; init; } = SynchronousMode.Full;

    /// <summary>How long a writer waits for another process's write lock before failing.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The time zone whose calendar months bound the allowance. UTC unless configured.</summary>
    public TimeZoneInfo MonthTimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>A replacement price list in the <c>pricing.json</c> format, or null for the built-in one.</summary>
    public string? PricingFile { get; init; }

    /// <summary>When true an operation missing from the catalogue is rejected instead of priced at the default.</summary>
    public bool RejectUnknownOperations { get; init; }

    /// <summary>Base of card checkout links; the purchase id is appended.</summary>
    public Uri CheckoutBaseUrl { get; init; } = new("https://checkout.cycletokens.invalid/pay/");

    /// <summary>
    /// The receipt key file (see <see cref="Receipts.ReceiptKeyRing"/>), created with a new key on first use; null:
    /// results carry no receipt. Kept outside the ledger tables, e.g. <c>&lt;ledger&gt;.receipt-keys.json</c>. Not
    /// opened when <see cref="ReadOnly"/>.
    /// </summary>
    public string? ReceiptKeysPath { get; init; }

    /// <summary>The <c>iss</c> of every receipt: which ledger signed it (e.g. its public URL). <c>cycletokens</c> unless configured.</summary>
    public string ReceiptIssuer { get; init; } = DefaultReceiptIssuer;

    /// <summary>The issuer receipts name when none is configured.</summary>
    public const string DefaultReceiptIssuer = "cycletokens";

    /// <summary>True when <paramref name="location"/> (a <c>--db</c> value) names a PostgreSQL database (a <c>postgresql://</c> or <c>postgres://</c> URI) rather than a SQLite file.</summary>
    /// <param name="location">The ledger's location as the operator gave it.</param>
    public static bool IsPostgresLocation(string location) => Storage.Postgres.PostgresLocation.IsPostgres(location);
}
