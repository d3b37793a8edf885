using CycleTokens.Core.Budgets;
using CycleTokens.Core.Keys;
using CycleTokens.Core.Validation;

namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    private const int MaxCredentialLength = 1000;

    /// <summary>The spender's limits and what its credential has debited today (UTC), less holds given back.</summary>
    /// <exception cref="LedgerException">The spender breaks a rule (InvalidArgument); nothing is read.</exception>
    public Task<BudgetStatus> GetBudgetAsync(Spender spender, CancellationToken cancellationToken = default)
    {
        CheckSpender(spender);
        return ReadAsync(
            null,
            () =>
            {
                var day = BudgetDays.Of(_nowMs);
                var used = _spend.Total(spender.Credential, day);
                var budget = spender.Budget;
                return new BudgetStatus(
                    spender.Credential,
                    budget.MaxPerCall,
                    budget.MaxPerDay,
                    budget.ConfirmAbove,
                    BudgetDays.Start(day),
                    used,
                    budget.MaxPerDay is { } max ? Math.Max(0, max - used) : null,
                    BudgetDays.Start(day + 1));
            },
            cancellationToken);
    }

    /// <summary>Checks a spender given to a debit before anything is opened.</summary>
    private static void CheckSpender(Spender? spender)
    {
        if (spender is null)
        {
            return;
        }

        Check.Text(spender.Credential, "credential", MaxCredentialLength);
        KeyRules.Budget(spender.Budget);
        if (spender.Confirmed is { } confirmed)
        {
            Check.Amount(confirmed, "confirmed", 0, Check.MaxAmount);
        }
    }

    /// <summary>
    /// Inside a debit's write, before it is appended: refuses it when it breaks the spender's budget and counts it on the
    /// credential's day. The one budget rule of every debit — charges, spends, holds (through <see cref="CountHold"/>).
    /// </summary>
    /// <remarks>
    /// Hard limits first, so the human is never asked about a debit that would be refused anyway; no confirmation lifts
    /// them. A refusal is thrown after the day's total was raised: the caller's savepoint (or rollback) undoes it with
    /// everything else, so the total read and written here is exact under the write lock whatever other processes do.
    /// </remarks>
    /// <param name="spender">Who causes the debit; null for the engine's own callers (no budget, nothing counted).</param>
    /// <param name="kind">What it is, for messages: <c>charge</c>, <c>spend</c>, <c>escrow_hold</c>, <c>reservation_hold</c>.</param>
    /// <param name="description">What to show the human if confirmation is needed.</param>
    /// <param name="amount">The tokens it debits.</param>
    /// <param name="balanceAfter">The account's balance after it.</param>
    private void CountDebit(Spender? spender, string kind, string description, long amount, long balanceAfter)
    {
        if (spender is null || amount == 0)
        {
            return;
        }

        var budget = spender.Budget;
        if (budget.MaxPerCall is { } perCall && amount > perCall)
        {
            throw new LedgerException(LedgerErrorCode.BudgetExceeded, $"max_per_call is {perCall} tokens; this call needs {amount}");
        }

        var total = _spend.Add(spender.Credential, BudgetDays.Of(_nowMs), amount);
        if (budget.MaxPerDay is { } perDay && total > perDay)
        {
            throw new LedgerException(LedgerErrorCode.BudgetExceeded, $"max_per_day is {perDay} tokens; {total - amount} used today, this call needs {amount}");
        }

        var what = kind.Replace('_', ' ');
        if (spender.Confirmed is { } confirmed && amount > confirmed)
        {
            // The price rose between the question and the write: never debit more than the human agreed to.
            throw new LedgerException(
                LedgerErrorCode.ConfirmationRequired,
                $"this {what} now needs {amount} tokens, more than the {confirmed} tokens the user confirmed; nothing was written")
            {
                Debit = new PendingDebit(kind, description, amount, balanceAfter, budget.ConfirmAbove, confirmed),
            };
        }

        if (budget.ConfirmAbove is { } above && amount > above && spender.Confirmed is null)
        {
            throw new LedgerException(
                LedgerErrorCode.ConfirmationRequired,
                $"this {what} of {amount} tokens is above confirm_above ({above} tokens) and needs the user's confirmation; nothing was written")
            {
                Debit = new PendingDebit(kind, description, amount, balanceAfter, above, null),
            };
        }
    }

    /// <summary>
    /// As <see cref="CountDebit"/> for a hold (an escrow, a reservation), which also remembers under
    /// <paramref name="holdId"/> which credential and day it was counted on, so that <see cref="SettleHold"/> can give the
    /// unused part back. Reservation holds call this with the held amount. Returns whether it remembered the hold
    /// (only then has <see cref="SettleHold"/> anything to give back).
    /// </summary>
    private bool CountHold(Spender? spender, string holdId, string kind, string description, long amount, long balanceAfter)
    {
        CountDebit(spender, kind, description, amount, balanceAfter);
        if (spender is null || amount == 0)
        {
            return false;
        }

        _spend.RememberHold(holdId, spender.Credential, BudgetDays.Of(_nowMs), amount);
        return true;
    }

    /// <summary>
    /// A hold ended: <paramref name="returned"/> of it (0 when it was paid out; all of it when cancelled or voided; the
    /// unused part when a reservation settles for less) goes back to the total of the day it was counted on.
    /// Nothing happens for a hold made without a spender.
    /// </summary>
    private void SettleHold(string holdId, long returned) => _spend.SettleHold(holdId, returned);
}
