using CycleTokens.Core.Accounts;
using CycleTokens.Core.Events;
using CycleTokens.Core.History;
using CycleTokens.Core.Storage;

namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    private const string LoadUserSql = """
        SELECT balance, allowance, purchased, tier, month_key, history_start
        FROM accounts WHERE id = $id AND kind = 'user'
        """;

    private const string InsertUserSql = """
        INSERT INTO accounts (id, kind, tier, month_key, created_ms) VALUES ($id, 'user', 'FREE', $month, $now)
        """;

    private const string SetMonthSql = "UPDATE accounts SET month_key = $month WHERE id = $id";

    private const string DueEscrowSql = """
        SELECT 1 FROM escrows WHERE account = $account AND status = 'held' AND expires_ms <= $now LIMIT 1
        """;

    private const string PruneKeysSql = "DELETE FROM idempotency WHERE account = $account AND created_ms < $before";

    private static readonly long KeyRetentionMs = (long)TimeSpan.FromDays(30).TotalMilliseconds;

    private UserRow? LoadUser(string account)
    {
        using var reader = _db.Command(LoadUserSql).With("$id", account).ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        return new UserRow(
            account,
            reader.GetInt64(0),
            reader.GetInt64(1),
            reader.GetInt64(2),
            TierNames.Parse(reader.GetString(3)),
            reader.GetInt32(4),
            reader.GetInt64(5));
    }

    /// <summary>True when reading this user must first create it, reset its month or expire an escrow.</summary>
    private bool NeedsTouch(string account, bool createIfMissing)
    {
        var user = LoadUser(account);
        if (user is null)
        {
            return createIfMissing;
        }

        return _months.KeyOf(_now) > user.MonthKey
            || _db.Command(DueEscrowSql).With("$account", account).With("$now", _nowMs).ExecuteScalar() is not null;
    }

    /// <summary>
    /// Inside a write: creates the user on first use, performs the lazy month reset (exactly once per month, as
    /// the row is re-read under the write lock), cancels held escrows past their expiry, and returns the state.
    /// </summary>
    private UserRow EnsureUser(string account)
    {
        // A month, once reached, is never left: a process whose clock lags keeps the stored month.
        var clockMonth = _months.KeyOf(_now);
        var user = LoadUser(account);
        if (user is null)
        {
            _db.Command(InsertUserSql).With("$id", account).With("$month", clockMonth).With("$now", _nowMs).ExecuteNonQuery();
            var allowance = Catalog.Tiers[Tier.Free].TokensPerMonth;
            var row = PostAllowance(account, allowance, clockMonth);
            if (row is not null)
            {
                Emit(LedgerEventNames.TokenAdded, account, ("amount", allowance), ("source", "allowance"), ("transaction_id", row.Id), ("balance", row.BalanceAfter));
            }
        }
        else if (clockMonth > user.MonthKey)
        {
            _db.Command(SetMonthSql).With("$id", account).With("$month", clockMonth).ExecuteNonQuery();
            ExpireAllowance(account, user.Allowance, clockMonth);
            var allowance = Catalog.Tiers[user.Tier].TokensPerMonth;
            PostAllowance(account, allowance, clockMonth);
            _db.Command(PruneKeysSql).With("$account", account).With("$before", _nowMs - KeyRetentionMs).ExecuteNonQuery();
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
