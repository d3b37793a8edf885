using CycleTokens.Core.Accounts;
using CycleTokens.Core.Events;
using CycleTokens.Core.History;
using CycleTokens.Core.Storage;

namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    private static readonly long KeyRetentionMs = (long)TimeSpan.FromDays(30).TotalMilliseconds;

    private UserRow? LoadUser(string account)
    {
        // Inside a read, the row checked at its start is the snapshot's: nothing can change it.
        if (_snapshotUser is { } snapshot && snapshot.Id == account)
        {
            return snapshot;
        }

        return _users.Load(account);
    }

    /// <summary>
    /// The user (null if it does not exist yet), whether anything is due (a month reset, or an escrow or reservation past its expiry),
    /// and, when <paramref name="cache"/> names an operation and params, the discount cache's last charge of them.
    /// </summary>
    private (UserRow? User, bool Due, long? LastMs) LoadUserState(string account, CacheKey? cache)
    {
        var (user, due, lastMs, _) = LoadUserState(account, cache, null);
        return (user, due, lastMs);
    }

    /// <summary>As <see cref="LoadUserState(string, CacheKey?)"/>, also reading the reservation named (null when there is none).</summary>
    private (UserRow? User, bool Due, long? LastMs, StoredReservation? Reservation) LoadUserState(string account, CacheKey? cache, string? reservation)
    {
        var state = _users.LoadState(account, _nowMs, cache, reservation);
        return state.User is not { } user
            ? (null, false, null, null)
            : (user, _months.KeyOf(_now) > user.MonthKey || state.HoldDue, state.LastMs, state.Reservation);
    }

    /// <summary>
    /// At the start of a read: true when the user exists with nothing due; its row (and the cache entry asked for)
    /// then serve the rest of the read, which sees the same snapshot. A missing user the read must not create fails
    /// here, before anything is written.
    /// </summary>
    private bool IsCurrent(string account, CacheKey? cache, MissingUser missing)
    {
        var (user, due, lastMs) = LoadUserState(account, cache);
        if (user is null && missing == MissingUser.Refuse)
        {
            throw LedgerException.NoSuchUser(account);
        }

        if (user is null || due)
        {
            return false;
        }

        _snapshotUser = user;
        _checkedCache = cache is { } key ? (account, key, lastMs) : null;
        return true;
    }

    /// <summary>
    /// At the start of a write, under its lock: performs an existing user's due month reset or escrow expiry and says
    /// whether it wrote anything. When nothing was due, the row read (and the cache entry and reservation asked for)
    /// serve the call's first <see cref="EnsureUser"/> (and <see cref="Quote"/>, and <see cref="OwnReservation"/>).
    /// </summary>
    private bool PerformDueWork(string account, CacheKey? cache, string? reservation)
    {
        var (user, due, lastMs, stored) = LoadUserState(account, cache, reservation);
        if (user is null)
        {
            // Created by the call itself, inside its savepoint.
            return false;
        }

        if (due)
        {
            EnsureUser(account);
            return true;
        }

        _checkedUser = user;
        _checkedCache = cache is { } key ? (account, key, lastMs) : null;
        _checkedReservation = reservation is null ? null : (reservation, stored);
        return false;
    }

    /// <summary>
    /// Inside a write: creates the user on first use, performs the lazy month reset (exactly once per month, as
    /// the row is re-read under the write lock), cancels held escrows and expires held reservations past their expiry,
    /// and returns the state.
    /// </summary>
    private UserRow EnsureUser(string account)
    {
        // Every write body starts with EnsureUser, so the row PerformDueWork checked under this lock is still current.
        if (_checkedUser is { } checkedUser && checkedUser.Id == account)
        {
            _checkedUser = null;
            return checkedUser;
        }

        // A month, once reached, is never left: a process whose clock lags keeps the stored month.
        var clockMonth = _months.KeyOf(_now);
        var user = LoadUser(account);
        if (user is null)
        {
            _users.Insert(account, clockMonth, _nowMs);
            var allowance = Catalog.Tiers[Tier.Free].TokensPerMonth;
            var row = PostAllowance(account, allowance, clockMonth);
            if (row is not null)
            {
                Emit(LedgerEventNames.TokenAdded, account, ("amount", allowance), ("source", "allowance"), ("transaction_id", row.Id), ("balance", row.BalanceAfter));
            }
        }
        else if (clockMonth > user.MonthKey)
        {
            _users.SetMonth(account, clockMonth);
            ExpireAllowance(account, user.Allowance, clockMonth);
            var allowance = Catalog.Tiers[user.Tier].TokensPerMonth;
            PostAllowance(account, allowance, clockMonth);
            _idempotency.Prune(account, _nowMs - KeyRetentionMs);
            var balance = LoadUser(account)!.Balance;
            Log.MonthReset(_logger, account, user.Allowance, allowance);
            Emit(
                LedgerEventNames.MonthReset,
                account,
                ("month_start", _months.StartOf(clockMonth)),
                ("expired", user.Allowance),
                ("allowance", allowance),
                ("tier", user.Tier.ToWireName()),
                ("balance", balance));
        }

        CancelDueEscrows(account);
        ExpireDueReservations(account);
        return LoadUser(account)!;
    }

    private TxRow? PostAllowance(string account, long amount, int monthKey)
    {
        if (amount <= 0)
        {
            return null;
        }

        return _journal.Append(
            new TxDraft(
                TransactionKind.Allowance.ToWireName(),
                TransactionType.Credit.ToWireName(),
                account,
                null,
                amount,
                AccountNames.SystemAllowance,
                [new Posting(AccountNames.SystemAllowance, Posting.Main, -amount), new Posting(account, Posting.Allowance, amount)]),
            _nowMs,
            monthKey);
    }

    /// <summary>Moves unspent allowance to <c>system:expired</c>; an expiry of 0 is not recorded.</summary>
    private void ExpireAllowance(string account, long amount, int monthKey)
    {
        if (amount <= 0)
        {
            return;
        }

        _journal.Append(
            new TxDraft(
                TransactionKind.Expiry.ToWireName(),
                TransactionType.Debit.ToWireName(),
                account,
                null,
                amount,
                AccountNames.SystemExpired,
                [new Posting(account, Posting.Allowance, -amount), new Posting(AccountNames.SystemExpired, Posting.Main, amount)]),
            _nowMs,
            monthKey);
    }

    /// <summary>Splits an amount the user pays into its allowance and purchased parts (allowance first).</summary>
    private static (long FromAllowance, long FromPurchased) Draw(UserRow user, long amount)
    {
        if (user.Balance < amount)
        {
            throw LedgerException.Insufficient(user.Balance, amount);
        }

        var fromAllowance = Math.Min(user.Allowance, amount);
        return (fromAllowance, amount - fromAllowance);
    }

    private static List<Posting> DebitUser(string account, long fromAllowance, long fromPurchased) =>
    [
        new Posting(account, Posting.Allowance, -fromAllowance),
        new Posting(account, Posting.Purchased, -fromPurchased),
    ];
}
