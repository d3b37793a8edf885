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
    /// After a debit of <paramref name="user"/> (its row from before the debit) left <paramref name="balanceAfter"/>:
    /// raises <c>low-balance</c> when the balance is now below the threshold and was not before, or had not been
    /// alerted since it was last seen at or above it. The state is in the file, so this holds across processes.
    /// </summary>
    private void NoteDebit(UserRow user, long balanceAfter, string transactionId)
    {
        if (_lowBalance.RecordDebit(user.Id, user.Balance, balanceAfter, TierLowBalance(user.Tier)) is { } threshold)
        {
            Emit(LedgerEventNames.LowBalance, user.Id, ("balance", balanceAfter), ("threshold", threshold), ("transaction_id", transactionId));
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
