using CycleTokens.Core.Validation;

namespace CycleTokens.Core.Keys;

/// <summary>The argument rules of key calls; each failure names the field (as the command line's options do).</summary>
internal static class KeyRules
{
    internal const int MaxNameLength = 100;
    internal const int MaxExpiryDays = 3650;

    internal static string? Name(string? name) => name is null ? null : Check.Text(name, "name", MaxNameLength);

    internal static int? ExpiresInDays(int? days) =>
        days is { } d ? (int)Check.Amount(d, "expires_in_days", 1, MaxExpiryDays) : null;

    internal static long? Limit(long? value, string field) => value is { } v ? Check.Amount(v, field, 0, Check.MaxAmount) : null;

    internal static KeyBudget Budget(KeyBudget? budget)
    {
        budget ??= KeyBudget.None;
        Limit(budget.MaxPerCall, "max_per_call");
        Limit(budget.MaxPerDay, "max_per_day");
        Limit(budget.ConfirmAbove, "confirm_above");
        return budget;
    }

    internal static KeyRole Role(KeyRole role) =>
        Enum.IsDefined(role) ? role : throw LedgerException.Invalid("role", "must be agent or operator", role.ToString());

    internal static void Changes(KeyChanges changes)
    {
        if (!changes.Any)
        {
            throw LedgerException.Invalid("changes", "must set at least one of name, expires_in_days, max_per_call, max_per_day, confirm_above", "none");
        }

        if (changes.Name is { IsSet: true, Value: { } name })
        {
            Name(name);
        }

        ExpiresInDays(changes.ExpiresInDays.Value);
        Limit(changes.MaxPerCall.Value, "max_per_call");
        Limit(changes.MaxPerDay.Value, "max_per_day");
        Limit(changes.ConfirmAbove.Value, "confirm_above");
    }
}
