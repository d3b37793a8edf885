using CycleTokens.Core.Accounts;
using CycleTokens.Core.Events;
using CycleTokens.Core.Ids;
using CycleTokens.Core.Pricing;
using CycleTokens.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CycleTokens.Core;

/// <summary>
/// The token ledger: every capability of the engine over one SQLite file or one PostgreSQL database that many processes may share.
/// </summary>
/// <remarks>
/// Callers name an account and never pass a time: the injected <see cref="TimeProvider"/> is the clock.
/// Every write runs in one <c>BEGIN IMMEDIATE</c> transaction; balances are updated with their postings.
/// Expected failures throw <see cref="LedgerException"/> with a message safe to show a model; nothing is
/// written then, except the outcome of a keyed call. Events are raised after commit on the calling thread.
/// One instance holds one connection and serialises its callers; open one per process (or per test connection).
/// </remarks>
public sealed partial class TokenLedger : IDisposable
{
    private readonly LedgerStores _stores;
    private readonly ILedgerConnection _db;
    private readonly IJournalStore _journal;
    private readonly IUsageStore _usage;
    private readonly IPurchaseStore _purchases;
    private readonly IApiKeyStore _apiKeys;
    private readonly IEscrowStore _escrows;
    private readonly IReservationStore _reservations;
    private readonly IUserStore _users;
    private readonly IIdempotencyStore _idempotency;
    private readonly IDiscountCacheStore _discountCache;
    private readonly IAccountStore _accounts;
    private readonly IHistoryStore _history;
    private readonly IRefundStore _refunds;
    private readonly IVerificationStore _verification;
    private readonly ICredentialSpendStore _spend;
    private readonly ILowBalanceStore _lowBalance;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly WriteBatch _writes;
    private readonly TimeProvider _time;
    private readonly IIdGenerator _ids;
    private readonly MonthCalendar _months;
    private readonly LedgerOptions _options;
    private readonly ILogger _logger;
    private readonly List<LedgerEvent> _pending = [];
    private readonly ParamsHashes _paramsHashes = new();
    private DateTimeOffset _now;
    private long _nowMs;

    // The user row checked at the start of the current read (its snapshot) or write (under its lock, nothing due).
    private UserRow? _snapshotUser;
    private UserRow? _checkedUser;
    private (string Account, CacheKey Key, long? LastMs)? _checkedCache;

    // The reservation a write names, read with the user's state under its lock (null inside: it does not exist).
    private (string Id, StoredReservation? Stored)? _checkedReservation;

    private TokenLedger(LedgerOptions options, PriceCatalog catalog, TimeProvider time, IIdGenerator ids, ILogger logger)
    {
        _options = options;
        Catalog = catalog;
        _time = time;
        _ids = ids;
        _logger = logger;
        _months = new MonthCalendar(options.MonthTimeZone);
        _writes = new WriteBatch(_gate, RunBatch);
        _stores = LedgerBackends.Open(options, ids, _months);
        _db = _stores.Connection;
        _journal = _stores.Journal;
        _usage = _stores.Usage;
        _purchases = _stores.Purchases;
        _apiKeys = _stores.ApiKeys;
        _escrows = _stores.Escrows;
        _reservations = _stores.Reservations;
        _users = _stores.Users;
        _idempotency = _stores.Idempotency;
        _discountCache = _stores.DiscountCache;
        _accounts = _stores.Accounts;
        _history = _stores.History;
        _refunds = _stores.Refunds;
        _verification = _stores.Verification;
        _spend = _stores.CredentialSpend;
        _lowBalance = _stores.LowBalance;
    }

    /// <summary>Raised after each committed change, once per event, on the thread that made the change.</summary>
    public event EventHandler<LedgerEvent>? EventRaised;

    /// <summary>Where the ledger is: the full path of the ledger file, or a PostgreSQL location (host, port, database; never a password).</summary>
    public string DatabasePath => _stores.Location;

    /// <summary>Writes waiting to be run in a batch.</summary>
    internal int QueuedWrites => _writes.Queued;

    /// <summary>Write transactions this instance has committed (reads' own writes included).</summary>
    internal long CommitCount => _db.Commits;

    /// <summary>How this instance's writes fared with the file's write lock since it was opened.</summary>
    public WriteLockStatistics WriteLockStatistics => new(
        _db.LockWaits.Count,
        Micros(_db.LockWaits.Percentile(0.5)),
        Micros(_db.LockWaits.Percentile(0.99)),
        Micros(_db.LockWaits.Max),
        Micros(_db.LockHolds.Percentile(0.5)),
        Micros(_db.LockHolds.Percentile(0.99)),
        Micros(_db.LockHolds.Max));

    /// <summary>The price list in force.</summary>
    public PriceCatalog Catalog { get; }

    /// <summary>Opens (and creates or migrates) the ledger file; with <see cref="LedgerOptions.ReadOnly"/>, only opens it.</summary>
    /// <param name="options">File, durability and rules.</param>
    /// <param name="time">The clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="ids">The id generator; random ids when null.</param>
    /// <param name="logger">Where the engine logs; nowhere when null.</param>
    /// <exception cref="LedgerOpenException">The file cannot be opened: the message names the path and the cause.</exception>
    /// <exception cref="Receipts.ReceiptKeyException">The receipt key file the options name cannot be used.</exception>
    public static TokenLedger Open(LedgerOptions options, TimeProvider? time = null, IIdGenerator? ids = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ReceiptIssuer);
        var catalog = options.PricingFile is null ? PriceCatalog.BuiltIn() : PriceCatalog.Load(options.PricingFile);
        var ledger = new TokenLedger(options, catalog, time ?? TimeProvider.System, ids ?? new TimeOrderedIdGenerator(time ?? TimeProvider.System), logger ?? NullLogger.Instance);
        // After the file: a ledger path that cannot be used fails first, before a key file is made beside it.
        ledger.OpenReceiptKeys();
        return ledger;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stores.Dispose();
        _gate.Dispose();
        ReceiptKeys?.Dispose();
    }

    private void StartClock()
    {
        _now = _time.GetUtcNow();
        _nowMs = _now.ToUnixTimeMilliseconds();
    }

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static TimeSpan Micros(long microseconds) => TimeSpan.FromMicroseconds(microseconds);

    private void Raise(List<LedgerEvent> events)
    {
        var handlers = EventRaised?.GetInvocationList();
        if (handlers is null)
        {
            return;
        }

        foreach (var e in events)
        {
            foreach (var handler in handlers)
            {
                try
                {
                    ((EventHandler<LedgerEvent>)handler)(this, e);
                }
#pragma warning disable CA1031 // A subscriber's fault must not undo the committed change or starve the other subscribers.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    Log.EventHandlerFailed(_logger, ex, e.Name);
                }
            }
        }
    }

    private void Emit(string name, string account, params (string Key, object? Value)[] data) =>
        _pending.Add(new LedgerEvent(name, account, _now, data.ToDictionary(d => d.Key, d => d.Value, StringComparer.Ordinal)));

    private List<LedgerEvent> TakePending()
    {
        var events = _pending.ToList();
        _pending.Clear();
        return events;
    }
}
