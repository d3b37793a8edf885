using System.Text.Json;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// An independent model of the users' two buckets, replayed over the journal in commit order: allowance is drawn
/// first, a month reset expires exactly the unspent allowance and grants the tier's tokens, a cancelled escrow
/// returns its parts (its allowance part expires when the month has moved on), and no payment may exceed the
/// balance. Every discrepancy with the journal (balance after, month, expiry amounts, escrow parts) or with the
/// stored accounts and escrows is one line in <see cref="Problems"/>. Handles the kinds the load tests write
/// (allowance, expiry, charge, spend, grant, purchase, escrow); any other kind is reported.
/// </summary>
internal sealed class JournalReplay
{
    private readonly Dictionary<string, UserModel> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EscrowModel> _escrows = new(StringComparer.Ordinal);

    private JournalReplay()
    {
    }

    public List<string> Problems { get; } = [];

    /// <summary>Allowance transactions per (user, month key): a month reset happened once when each count is 1.</summary>
    public Dictionary<(string User, int Month), int> Allowances { get; } = [];

    /// <summary>The users' final months as the journal tells them.</summary>
    public IReadOnlyDictionary<string, int> Months => _users.ToDictionary(u => u.Key, u => u.Value.Month, StringComparer.Ordinal);

    /// <summary>Replays <paramref name="journal"/> for users of tier FREE (<paramref name="monthlyAllowance"/> tokens a month).</summary>
    public static JournalReplay Run(IReadOnlyList<JournalRow> journal, IReadOnlyDictionary<string, StoredAccount> accounts, IReadOnlyDictionary<string, StoredEscrow> escrows, long monthlyAllowance)
    {
        var replay = new JournalReplay();
        foreach (var row in journal)
        {
            replay.Apply(row, monthlyAllowance);
        }

        replay.Compare(accounts, escrows);
        return replay;
    }

    private void Apply(JournalRow row, long monthlyAllowance)
    {
        if (!_users.TryGetValue(row.Account, out var user))
        {
            if (row.Kind != "allowance")
            {
                Problems.Add($"seq {row.Seq}: {row.Kind} for {row.Account} before the user's first allowance");
                return;
            }

            user = new UserModel { Month = row.MonthKey };
            _users[row.Account] = user;
        }

        switch (row.Kind, row.Type)
        {
            case ("allowance", "credit"):
                var key = (row.Account, row.MonthKey);
                Allowances[key] = Allowances.GetValueOrDefault(key) + 1;
                if (row.Amount != monthlyAllowance)
                {
                    Problems.Add($"seq {row.Seq}: allowance of {row.Amount} for {row.Account}, expected {monthlyAllowance}");
                }

                if (row.MonthKey < user.Month)
                {
                    Problems.Add($"seq {row.Seq}: {row.Account} went back from month {user.Month} to {row.MonthKey}");
                }

                user.Month = row.MonthKey;
                user.Allowance += row.Amount;
                break;
            case ("expiry", "debit"):
                if (row.Amount != user.Allowance)
                {
                    Problems.Add($"seq {row.Seq}: expiry of {row.Amount} for {row.Account} while {user.Allowance} allowance was unspent");
                }

                if (row.MonthKey <= user.Month)
                {
                    Problems.Add($"seq {row.Seq}: expiry for {row.Account} in month {row.MonthKey}, not after its month {user.Month}");
                }

                // The reset writes the expiry with the new month, then the new allowance.
                user.Month = row.MonthKey;
                user.Allowance -= row.Amount;
                break;
            case ("charge" or "spend", "debit"):
                Draw(row, user);
                break;
            case ("grant" or "purchase", "credit"):
                user.Purchased += row.Amount;
                break;
            case ("escrow", "escrow_hold"):
                var (fromAllowance, fromPurchased) = Draw(row, user);
                _escrows[row.Ref ?? string.Empty] = new EscrowModel(row.Account, row.Amount, fromAllowance, fromPurchased, user.Month);
                break;
            case ("escrow", "escrow_release"):
                Settle(row);
                break;
            case ("escrow", "escrow_cancel"):
                if (Settle(row) is { } escrow)
                {
                    var expired = escrow.Month < user.Month ? escrow.AllowancePart : 0;
                    user.Allowance += escrow.AllowancePart - expired;
                    user.Purchased += escrow.PurchasedPart;
                    using var details = JsonDocument.Parse(row.Details ?? "{}");
                    var storedExpired = details.RootElement.TryGetProperty("expired", out var e) ? e.GetInt64() : -1;
                    if (storedExpired != expired)
                    {
                        Problems.Add($"seq {row.Seq}: cancelling {row.Ref} expired {storedExpired}, the model says {expired}");
                    }
                }

                break;
            default:
                Problems.Add($"seq {row.Seq}: unexpected {row.Kind}/{row.Type}");
                break;
        }

        if (row.BalanceAfter != user.Balance)
        {
            Problems.Add($"seq {row.Seq} ({row.Kind}/{row.Type} {row.Amount}): balance_after {row.BalanceAfter}, the model says {user.Balance}");
        }

        if (row.MonthKey != user.Month)
        {
            Problems.Add($"seq {row.Seq}: written in month {row.MonthKey} while {row.Account}'s month was {user.Month}");
        }
    }

    private (long FromAllowance, long FromPurchased) Draw(JournalRow row, UserModel user)
    {
        if (row.Amount > user.Balance)
        {
            Problems.Add($"seq {row.Seq}: overdraft: {row.Kind} of {row.Amount} with a balance of {user.Balance}");
        }

        var fromAllowance = Math.Min(user.Allowance, row.Amount);
        user.Allowance -= fromAllowance;
        user.Purchased -= row.Amount - fromAllowance;
        return (fromAllowance, row.Amount - fromAllowance);
    }

    private EscrowModel? Settle(JournalRow row)
    {
        if (row.Ref is null || !_escrows.TryGetValue(row.Ref, out var escrow))
        {
            Problems.Add($"seq {row.Seq}: {row.Type} of an escrow never held ({row.Ref})");
            return null;
        }

        if (escrow.Settled)
        {
            Problems.Add($"seq {row.Seq}: {row.Type} of {row.Ref}, already settled");
            return null;
        }

        if (escrow.Account != row.Account || escrow.Amount != row.Amount)
        {
            Problems.Add($"seq {row.Seq}: {row.Type} of {row.Ref} names {row.Account}/{row.Amount}, held for {escrow.Account}/{escrow.Amount}");
        }

        escrow.Settled = true;
        return escrow;
    }

    private void Compare(IReadOnlyDictionary<string, StoredAccount> accounts, IReadOnlyDictionary<string, StoredEscrow> escrows)
    {
        foreach (var (id, user) in _users)
        {
            if (!accounts.TryGetValue(id, out var stored))
            {
                Problems.Add($"{id} has transactions but no account row");
                continue;
            }

            if ((stored.Allowance, stored.Purchased, stored.Balance, stored.MonthKey) != (user.Allowance, user.Purchased, user.Balance, user.Month))
            {
                Problems.Add(
                    $"{id}: stored allowance/purchased/balance/month {stored.Allowance}/{stored.Purchased}/{stored.Balance}/{stored.MonthKey}, " +
                    $"the model says {user.Allowance}/{user.Purchased}/{user.Balance}/{user.Month}");
            }

            if (user.Allowance < 0 || user.Purchased < 0)
            {
                Problems.Add($"{id}: negative bucket (allowance {user.Allowance}, purchased {user.Purchased})");
            }
        }

        foreach (var (id, escrow) in _escrows)
        {
            if (!escrows.TryGetValue(id, out var stored))
            {
                Problems.Add($"escrow {id} was held in the journal but has no row");
                continue;
            }

            if ((stored.AllowancePart, stored.PurchasedPart, stored.MonthKey) != (escrow.AllowancePart, escrow.PurchasedPart, escrow.Month))
            {
                Problems.Add($"escrow {id}: stored parts {stored.AllowancePart}+{stored.PurchasedPart} in month {stored.MonthKey}, the model says {escrow.AllowancePart}+{escrow.PurchasedPart} in {escrow.Month}");
            }

            if ((stored.Status == "held") == escrow.Settled)
            {
                Problems.Add($"escrow {id}: stored status {stored.Status}, settled in the journal: {escrow.Settled}");
            }
        }

        Problems.AddRange(escrows.Keys.Where(id => !_escrows.ContainsKey(id)).Select(id => $"escrow {id} has a row but no hold in the journal"));
    }

    private sealed class UserModel
    {
        public long Allowance { get; set; }

        public long Purchased { get; set; }

        public int Month { get; set; }

        public long Balance => Allowance + Purchased;
    }

    private sealed class EscrowModel(string account, long amount, long allowancePart, long purchasedPart, int month)
    {
        public string Account { get; } = account;

        public long Amount { get; } = amount;

        public long AllowancePart { get; } = allowancePart;

        public long PurchasedPart { get; } = purchasedPart;

        public int Month { get; } = month;

        public bool Settled { get; set; }
    }
}
