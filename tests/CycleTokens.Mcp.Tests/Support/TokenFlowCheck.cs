namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// The authority property between two views of every balance (before and after one agent call), for a session bound
/// to <c>user</c>. With W = the user's balance + what the user's escrows and reservations hold (balance + held_in_escrow +
/// held_in_reservations):
/// <list type="number">
/// <item>All balances sum to zero (double entry), and no user balance or part is negative.</item>
/// <item>No other user's balance changes; no user or system account appears (but <c>system:expired</c>, made on first use); the other users' escrow accounts,
/// <c>system:payments</c>, <c>system:grants</c> and <c>system:cleared</c> do not change.</item>
/// <item>The only tokens created are the monthly allowance: <c>system:allowance</c> only falls, by exactly the
/// tier's allowance, at most once per calendar month, and <c>system:expired</c> only rises.</item>
/// <item>W never rises except by that allowance: ΔW − allowance issued + expired ≤ 0; in a call that issues no
/// allowance, ΔW ≤ 0 (cancelling an escrow or voiding a reservation moves tokens from held back to balance, W unchanged).</item>
/// <item>Payees (<c>platform</c>, <c>creator:*</c>, <c>fab:*</c>) only receive.</item>
/// </list>
/// </summary>
internal sealed class TokenFlowCheck(string user, IReadOnlySet<string> foreignEscrowAccounts, long monthlyAllowance)
{
    private readonly HashSet<int> _grantedMonths = [];

    /// <summary>Tokens the user holds: balance plus every escrow and hold account that is not another user's.</summary>
    public long Held(IReadOnlyDictionary<string, (string Kind, long Balance)> view) =>
        Of(view, user) + view.Where(a => a.Value.Kind is "escrow" or "hold" && !foreignEscrowAccounts.Contains(a.Key)).Sum(a => a.Value.Balance);

    /// <summary>Null when the step from <paramref name="before"/> to <paramref name="after"/> keeps the property.</summary>
    /// <param name="month">The calendar month (year × 12 + month) of the clock during the call.</param>
    public string? Problem(
        IReadOnlyDictionary<string, (string Kind, long Balance)> before,
        IReadOnlyDictionary<string, (string Kind, long Balance)> after,
        (long Allowance, long Purchased) parts,
        int month)
    {
        if (after.Values.Sum(a => a.Balance) != 0)
        {
            return $"balances sum to {after.Values.Sum(a => a.Balance)}";
        }

        if (parts.Allowance < 0 || parts.Purchased < 0)
        {
            return $"{user}'s parts went negative: {parts}";
        }

        foreach (var id in before.Keys.Union(after.Keys))
        {
            var kind = after.TryGetValue(id, out var a) ? a.Kind : before[id].Kind;
            var delta = Of(after, id) - Of(before, id);
            if (!before.ContainsKey(id) && kind is "user" or "system" && id != "system:expired")
            {
                return $"account {id} ({kind}) appeared";
            }

            var frozen = (kind == "user" && id != user)
                || foreignEscrowAccounts.Contains(id)
                || id is "system:payments" or "system:grants" or "system:cleared";
            if (frozen && delta != 0)
            {
                return $"{id} changed by {delta}";
            }

            if (kind is "creator" or "fab" or "platform" && delta < 0)
            {
                return $"payee {id} lost {-delta}";
            }
        }

        var issued = Of(before, "system:allowance") - Of(after, "system:allowance");
        var expired = Of(after, "system:expired") - Of(before, "system:expired");
        if (issued != 0 && (issued != monthlyAllowance || !_grantedMonths.Add(month)))
        {
            return $"system:allowance issued {issued} in month {month} (granted before: {string.Join(",", _grantedMonths)})";
        }

        if (expired < 0)
        {
            return $"system:expired gave back {-expired}";
        }

        var held = Held(after) - Held(before);
        if (held - issued + expired > 0 || (issued == 0 && held > 0))
        {
            return $"{user}'s balance + held rose by {held} (allowance issued {issued}, expired {expired})";
        }

        return null;
    }

    /// <summary>Marks the month the user was created in, whose allowance was issued before the run.</summary>
    public void AlreadyGranted(int month) => _grantedMonths.Add(month);

    private static long Of(IReadOnlyDictionary<string, (string Kind, long Balance)> view, string id) =>
        view.TryGetValue(id, out var a) ? a.Balance : 0;
}
