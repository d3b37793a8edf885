using CycleTokens.Core.Accounts;
using CycleTokens.Core.Escrows;

namespace CycleTokens.Core.Tests.Support;

/// <summary>
/// An independent model of the ledger rules of the product spec (sections 2-9), with the numbers of
/// <c>pricing.json</c> written out here rather than read from the engine. Each method applies one call and
/// returns what the engine should answer, or throws <see cref="ModelFailure"/> with the failure it should report.
/// A failed call changes nothing in the engine (not even the lazy month reset it would have done), so callers
/// apply each call to a <see cref="Clone"/> and keep it only when the engine succeeded.
/// </summary>
internal sealed partial class LedgerModel
{
    public const long CacheWindowMs = 24 * 3_600_000L;

    private const string Platform = "platform";
    private const string SystemAllowance = "system:allowance";
    private const string SystemExpired = "system:expired";
    private const string SystemPayments = "system:payments";
    private const string SystemGrants = "system:grants";
    private const string SystemCleared = "system:cleared";

    private Dictionary<string, ModelUser> _users = new(StringComparer.Ordinal);
    private Dictionary<string, long> _others = new(StringComparer.Ordinal);
    private Dictionary<string, ModelEscrow> _escrows = new(StringComparer.Ordinal);
    private Dictionary<string, ModelDebit> _debits = new(StringComparer.Ordinal);
    private HashSet<string> _grants = new(StringComparer.Ordinal);
    private HashSet<string> _refunded = new(StringComparer.Ordinal);
    private Dictionary<string, ModelPurchase> _purchases = new(StringComparer.Ordinal);
    private Dictionary<(string Account, string Operation, string Params), long> _cache = [];
    private Dictionary<string, ModelReservation> _reservations = new(StringComparer.Ordinal);

    /// <summary>Transactions the journal should hold.</summary>
    public long Transactions { get; private set; }

    /// <summary><c>month-reset</c> events the engine should have raised.</summary>
    public int MonthResets { get; private set; }

    /// <summary>Escrows cancelled because they expired (<c>escrow-cancelled</c> with reason <c>expired</c>).</summary>
    public int ExpiredEscrows { get; private set; }

    /// <summary><c>data-cleared</c> events.</summary>
    public int Clears { get; private set; }

    /// <summary><c>token-spent</c> events: successful charges and spends.</summary>
    public int Spent { get; private set; }

    /// <summary>Touches by a clock still in a month the user has left (a lagging server): they must not reset.</summary>
    public int LaggingTouches { get; private set; }

    public IReadOnlyDictionary<string, ModelUser> Users => _users;

    /// <summary>Balances of platform, creator, fab and system accounts (escrow accounts follow from <see cref="Escrows"/>).</summary>
    public IReadOnlyDictionary<string, long> Others => _others;

    public IReadOnlyDictionary<string, ModelEscrow> Escrows => _escrows;

    public IReadOnlyDictionary<string, ModelPurchase> Purchases => _purchases;

    public static long TierTokens(Tier tier) => tier switch
    {
        Tier.Free => 1_000,
        Tier.Pro => 10_000,
        _ => 100_000,
    };

    public static int Royalty(Tier tier) => tier switch
    {
        Tier.Free => 70,
        Tier.Pro => 80,
        _ => 90,
    };

    public static int MonthKey(DateTimeOffset instant)
    {
        var utc = instant.UtcDateTime;
        return (utc.Year * 12) + utc.Month - 1;
    }

    public static DateTimeOffset MonthStart(int key) => new(key / 12, (key % 12) + 1, 1, 0, 0, 0, TimeSpan.Zero);

    public LedgerModel Clone() => new()
    {
        _users = new(_users, StringComparer.Ordinal),
        _others = new(_others, StringComparer.Ordinal),
        _escrows = new(_escrows, StringComparer.Ordinal),
        _debits = new(_debits, StringComparer.Ordinal),
        _grants = new(_grants, StringComparer.Ordinal),
        _refunded = new(_refunded, StringComparer.Ordinal),
        _purchases = new(_purchases, StringComparer.Ordinal),
        _cache = new(_cache),
        _reservations = new(_reservations, StringComparer.Ordinal),
        Transactions = Transactions,
        MonthResets = MonthResets,
        ExpiredEscrows = ExpiredEscrows,
        Clears = Clears,
        Spent = Spent,
        LaggingTouches = LaggingTouches,
        ExpiredReservations = ExpiredReservations,
    };

    /// <summary>
    /// The lazy work a write owes an existing user before the call itself (month reset, escrow expiry); it stands
    /// even when the call then fails. A user that does not exist yet is created inside the call instead.
    /// </summary>
    public void TouchExisting(string account, DateTimeOffset now)
    {
        if (_users.ContainsKey(account))
        {
            Touch(account, now);
        }
    }

    /// <summary>What any call naming the user does first: create it, reset its month, cancel its expired escrows, expire its due reservations.</summary>
    public ModelUser Touch(string account, DateTimeOffset now)
    {
        var month = MonthKey(now);
        if (!_users.TryGetValue(account, out var user))
        {
            _users[account] = new ModelUser(Tier.Free, month, 0, 0, 0);
            PostAllowance(account, TierTokens(Tier.Free));
        }
        else if (month > user.MonthKey)
        {
            ExpireAllowance(account);
            _users[account] = _users[account] with { MonthKey = month };
            PostAllowance(account, TierTokens(user.Tier));
            MonthResets++;
        }
        else if (month < user.MonthKey)
        {
            LaggingTouches++;
        }

        var nowMs = now.ToUnixTimeMilliseconds();
        var due = _escrows.Values
            .Where(e => e.Account == account && e.Status == EscrowStatus.Held && e.ExpiresMs <= nowMs)
            .OrderBy(e => e.CreatedMs)
            .ThenBy(e => e.Id, StringComparer.Ordinal)
            .ToList();
        foreach (var escrow in due)
        {
            CancelEscrow(escrow);
            ExpiredEscrows++;
        }

        ExpireDueReservations(account, nowMs);
        return _users[account];
    }

    public ModelQuote Quote(string account, string operation, long basePrice, string paramsKey, int quantity, DateTimeOffset now)
    {
        var user = Touch(account, now);
        var cached = _cache.TryGetValue((account, operation, paramsKey), out var last) && now.ToUnixTimeMilliseconds() - last < CacheWindowMs;
        var unit = cached ? CeilDiv(basePrice * 10, 100) : basePrice;
        var batch = quantity >= 100 ? 50 : quantity >= 10 ? 25 : 0;
        var total = CeilDiv(unit * quantity * (100 - batch), 100);
        return new ModelQuote(basePrice, unit, cached, batch, total, user.Balance);
    }

    /// <summary>A charge; the debit's id is empty until <see cref="AddDebit"/> records the engine's.</summary>
    public (ModelQuote Quote, ModelDebit Debit) Charge(
        string account, string operation, long basePrice, string paramsKey, int quantity, string? creatorId, DateTimeOffset now)
    {
        var quote = Quote(account, operation, basePrice, paramsKey, quantity, now);
        var user = _users[account];
        var (fromAllowance, fromPurchased) = Draw(account, quote.Total);
        var creatorShare = creatorId is null ? 0 : ((2 * quote.Total * Royalty(user.Tier)) + 100) / 200;
        var creatorAccount = creatorId is null ? null : "creator:" + creatorId;
        if (creatorAccount is not null)
        {
            AddOther(creatorAccount, creatorShare);
        }

        AddOther(Platform, quote.Total - creatorShare);
        _cache[(account, operation, paramsKey)] = now.ToUnixTimeMilliseconds();
        Transactions++;
        Spent++;
        var debit = new ModelDebit(
            string.Empty, account, user.MonthKey, user.Generation, now.ToUnixTimeMilliseconds(), quote.Total,
            fromAllowance, fromPurchased, creatorAccount, creatorShare, quote.Total - creatorShare);
        return (quote, debit);
    }

    public ModelDebit Spend(string account, long amount, DateTimeOffset now)
    {
        var user = Touch(account, now);
        var (fromAllowance, fromPurchased) = Draw(account, amount);
        AddOther(Platform, amount);
        Transactions++;
        Spent++;
        return new ModelDebit(string.Empty, account, user.MonthKey, user.Generation, now.ToUnixTimeMilliseconds(), amount, fromAllowance, fromPurchased, null, 0, amount);
    }

    public void AddDebit(ModelDebit debit) => _debits[debit.Id] = debit;

    public long Grant(string account, long amount, DateTimeOffset now)
    {
        Touch(account, now);
        Credit(account, 0, amount);
        AddOther(SystemGrants, -amount);
        Transactions++;
        return _users[account].Balance;
    }

    public void AddGrant(string transactionId) => _grants.Add(transactionId);

    /// <summary>Holds tokens; the escrow's id is empty until <see cref="AddEscrow"/> records the engine's.</summary>
    public ModelEscrow CreateEscrow(string account, long amount, string fabId, int? expiresInHours, DateTimeOffset now)
    {
        var user = Touch(account, now);
        var (fromAllowance, fromPurchased) = Draw(account, amount);
        Transactions++;
        var nowMs = now.ToUnixTimeMilliseconds();
        return new ModelEscrow(
            string.Empty, account, user.Generation, amount, fromAllowance, fromPurchased, user.MonthKey, fabId, nowMs,
            expiresInHours is { } h ? nowMs + (h * 3_600_000L) : null, EscrowStatus.Held);
    }

    public void AddEscrow(ModelEscrow escrow) => _escrows[escrow.Id] = escrow;

    public long ReleaseEscrow(string account, string escrowId, DateTimeOffset now)
    {
        Touch(account, now);
        var escrow = HeldEscrow(account, escrowId);
        _escrows[escrowId] = escrow with { Status = EscrowStatus.Released };
        AddOther("fab:" + escrow.FabId, escrow.Amount);
        Transactions++;
        return _users[account].Balance;
    }

    public long CancelEscrow(string account, string escrowId, DateTimeOffset now)
    {
        Touch(account, now);
        CancelEscrow(HeldEscrow(account, escrowId));
        return _users[account].Balance;
    }

    public long CreatePurchase(string account, DateTimeOffset now) => Touch(account, now).Balance;

    public void AddPurchase(ModelPurchase purchase) => _purchases[purchase.Id] = purchase;

    public (long Balance, bool Replayed) CompletePurchase(string purchaseId, DateTimeOffset now)
    {
        var purchase = _purchases[purchaseId];
        Touch(purchase.Account, now);
        if (purchase.Completed)
        {
            return (_users[purchase.Account].Balance, true);
        }

        Credit(purchase.Account, 0, purchase.Tokens);
        AddOther(SystemPayments, -purchase.Tokens);
        _purchases[purchaseId] = purchase with { Completed = true };
        Transactions++;
        return (_users[purchase.Account].Balance, false);
    }

    public ModelRefund Refund(string transactionId, DateTimeOffset now)
    {
        if (_grants.Contains(transactionId))
        {
            throw new ModelFailure(LedgerErrorCode.InvalidArgument);
        }

        var debit = _debits[transactionId];
        if (_refunded.Contains(transactionId))
        {
            throw new ModelFailure(LedgerErrorCode.AlreadyRefunded, $"Transaction {transactionId} has already been refunded");
        }

        var user = Touch(debit.Account, now);
        if (user.Generation != debit.Generation)
        {
            throw new ModelFailure(LedgerErrorCode.NotFound, $"Transaction {transactionId} not found");
        }

        // An allowance part from a month that has ended expires instead of returning.
        var expired = debit.MonthKey < user.MonthKey ? debit.AllowancePart : 0;
        Credit(debit.Account, debit.AllowancePart - expired, debit.PurchasedPart);
        AddOther(SystemExpired, expired);
        if (debit.CreatorAccount is not null)
        {
            AddOther(debit.CreatorAccount, -debit.CreatorShare);
        }

        AddOther(Platform, -debit.PlatformShare);
        _refunded.Add(transactionId);
        Transactions++;
        return new ModelRefund(debit.AllowancePart - expired + debit.PurchasedPart, expired, _users[debit.Account].Balance);
    }

    public (Tier OldTier, bool Changed, long Balance) SetTier(string account, Tier tier, DateTimeOffset now)
    {
        var user = Touch(account, now);
        if (user.Tier == tier)
        {
            return (tier, false, user.Balance);
        }

        ExpireAllowance(account);
        _users[account] = _users[account] with { Tier = tier };
        PostAllowance(account, TierTokens(tier));
        return (user.Tier, true, _users[account].Balance);
    }

    public ModelClear Clear(string account, DateTimeOffset now)
    {
        Touch(account, now);
        var held = _escrows.Values
            .Where(e => e.Account == account && e.Status == EscrowStatus.Held)
            .OrderBy(e => e.CreatedMs)
            .ThenBy(e => e.Id, StringComparer.Ordinal)
            .ToList();
        foreach (var escrow in held)
        {
            CancelEscrow(escrow);
        }

        VoidHeldReservations(account);
        var user = _users[account];
        AddOther(SystemCleared, user.Balance);
        _users[account] = user with { Tier = Tier.Free, Allowance = 0, Purchased = 0, Generation = user.Generation + 1 };
        Transactions++;
        PostAllowance(account, TierTokens(Tier.Free));
        foreach (var key in _cache.Keys.Where(k => k.Account == account).ToList())
        {
            _cache.Remove(key);
        }

        Clears++;
        return new ModelClear(user.Balance, held.Count, _users[account].Balance);
    }

    /// <summary>The balance read: the user, the tokens held in escrow and in reservations, and this month's usage net of refunds.</summary>
    public (ModelUser User, long Held, long HeldInReservations, long UsedThisMonth) Balance(string account, DateTimeOffset now)
    {
        var user = Touch(account, now);
        var held = _escrows.Values.Where(e => e.Account == account && e.Status == EscrowStatus.Held).Sum(e => e.Amount);
        var from = MonthStart(user.MonthKey).ToUnixTimeMilliseconds();
        var until = MonthStart(user.MonthKey + 1).ToUnixTimeMilliseconds();
        var used = _debits.Values
            .Where(d => d.Account == account && d.Generation == user.Generation && d.CreatedMs >= from && d.CreatedMs < until && !_refunded.Contains(d.Id))
            .Sum(d => d.Total);
        return (user, held, HeldInReservations(account), used);
    }

    private static long CeilDiv(long numerator, long denominator) => (numerator + denominator - 1) / denominator;

    private ModelEscrow HeldEscrow(string account, string escrowId)
    {
        var escrow = _escrows[escrowId];
        if (escrow.Account != account || escrow.Generation != _users[account].Generation)
        {
            throw new ModelFailure(LedgerErrorCode.NotFound, $"Escrow {escrowId} not found");
        }

        return escrow.Status == EscrowStatus.Held
            ? escrow
            : throw new ModelFailure(LedgerErrorCode.EscrowNotHeld, $"Escrow {escrowId} is not held (status: {escrow.Status.ToString().ToLowerInvariant()})");
    }

    private void CancelEscrow(ModelEscrow escrow)
    {
        var user = _users[escrow.Account];
        var expired = escrow.MonthKey < user.MonthKey ? escrow.AllowancePart : 0;
        Credit(escrow.Account, escrow.AllowancePart - expired, escrow.PurchasedPart);
        AddOther(SystemExpired, expired);
        _escrows[escrow.Id] = escrow with { Status = EscrowStatus.Cancelled };
        Transactions++;
    }

    private (long FromAllowance, long FromPurchased) Draw(string account, long amount)
    {
        var user = _users[account];
        if (user.Balance < amount)
        {
            throw new ModelFailure(LedgerErrorCode.InsufficientTokens, $"Insufficient tokens: have {user.Balance}, need {amount}");
        }

        var fromAllowance = Math.Min(user.Allowance, amount);
        Credit(account, -fromAllowance, -(amount - fromAllowance));
        return (fromAllowance, amount - fromAllowance);
    }

    private void Credit(string account, long allowance, long purchased)
    {
        var user = _users[account];
        _users[account] = user with { Allowance = user.Allowance + allowance, Purchased = user.Purchased + purchased };
    }

    private void PostAllowance(string account, long amount)
    {
        Credit(account, amount, 0);
        AddOther(SystemAllowance, -amount);
        Transactions++;
    }

    /// <summary>Moves the unspent allowance to <c>system:expired</c>; an expiry of 0 is not recorded.</summary>
    private void ExpireAllowance(string account)
    {
        var allowance = _users[account].Allowance;
        if (allowance > 0)
        {
            Credit(account, -allowance, 0);
            AddOther(SystemExpired, allowance);
            Transactions++;
        }
    }

    private void AddOther(string account, long amount) => _others[account] = _others.GetValueOrDefault(account) + amount;
}
