using CycleTokens.Core.Accounts;
using CycleTokens.Core.Budgets;
using CycleTokens.Core.Events;
using CycleTokens.Core.Validation;

namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    /// <summary>The account's low-balance threshold: its own, or the tier's default (10% of the monthly allowance).</summary>
    /// <exception cref="LedgerException">The account does not exist (NotFound; nothing is written).</exception>
    public Task<LowBalanceSetting> GetLowBalanceAsync(string account, CancellationToken cancellationToken = default)
    {
        Check.UserAccount(account);
        return ReadAsync(account, () => LowBalanceOf(LoadUser(account)!), cancellationToken, missing: MissingUser.Refuse);
    }

    /// <summary>
    /// Operator only: sets the account's low-balance threshold in tokens (null: back to the tier's default) and re-arms the
    /// alert, so the next debit that leaves the balance below the new threshold raises <c>low-balance</c>.
    /// </summary>
    /// <remarks>Not a journal row: it moves nothing and only decides when an event is raised.</remarks>
    /// <exception cref="LedgerException">Invalid threshold (0 to 1000000000000), or the account does not exist (NotFound); nothing is written.</exception>
    public Task<LowBalanceSetting> SetLowBalanceThresholdAsync(string account, long? threshold, CancellationToken cancellationToken = default)
    {
        Check.UserAccount(account);
        if (threshold is { } value)
        {
            Check.Amount(value, "threshold", 0, Check.MaxAmount);
        }

        return WriteAsync(
            account,
            () =>
            {
                // A threshold is no reason to open an account: a mistyped id must not get a free allowance.
                if (LoadUser(account) is null)
                {
                    throw LedgerException.NoSuchUser(account);
                }

                var user = EnsureUser(account);
                _lowBalance.SetThreshold(account, threshold);
                return LowBalanceOf(user);
            },
            cancellationToken);
    }

    /// <summary>
    /// Before a debit of <paramref name="user"/> (its row from before the debit) to <paramref name="balanceAfter"/> is
    /// written: records it in the low-balance state and returns the threshold it crossed — the balance is now below it
    /// and was not before, or had not been alerted since it was last seen at or above it — or null. The state is in the
    /// file, so this holds across processes. It goes before the debit's row because it must answer: the row's writes,
    /// which answer nothing, then go to PostgreSQL with the COMMIT.
    /// </summary>
    private long? RecordDebit(UserRow user, long balanceAfter) =>
        _lowBalance.RecordDebit(user.Id, user.Balance, balanceAfter, TierLowBalance(user.Tier));

    /// <summary>Raises <c>low-balance</c> for a crossing <see cref="RecordDebit"/> found, once the debit's row exists.</summary>
    private void RaiseLowBalance(long? crossed, string account, long balanceAfter, string transactionId)
    {
        if (crossed is { } threshold)
        {
            Emit(LedgerEventNames.LowBalance, account, ("balance", balanceAfter), ("threshold", threshold), ("transaction_id", transactionId));
        }
    }

    private LowBalanceSetting LowBalanceOf(UserRow user)
    {
        var tierDefault = TierLowBalance(user.Tier);
        var own = _lowBalance.Threshold(user.Id);
        return new LowBalanceSetting(user.Id, own ?? tierDefault, own is not null, tierDefault);
    }

    private long TierLowBalance(Tier tier) => Catalog.Tiers[tier].TokensPerMonth / 10;
}
