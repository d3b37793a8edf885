using System.Globalization;
using System.Security.Claims;
using CycleTokens.Core.Keys;

namespace CycleTokens.Mcp.Hosting;

/// <summary>
/// A credential's budget as claims on the request's user, put there by whichever handler authenticated it (an API key's
/// own budget, read with the key on every request; the server's budget flags for a JWT) and read back by
/// <see cref="Callers"/>. Only an authentication handler sets claims, never the client.
/// </summary>
internal static class BudgetClaims
{
    public const string MaxPerCall = "cycletokens:max_per_call";
    public const string MaxPerDay = "cycletokens:max_per_day";
    public const string ConfirmAbove = "cycletokens:confirm_above";

    /// <summary>One claim per limit that is set.</summary>
    public static IEnumerable<Claim> Of(KeyBudget budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        foreach (var (type, value) in new[] { (MaxPerCall, budget.MaxPerCall), (MaxPerDay, budget.MaxPerDay), (ConfirmAbove, budget.ConfirmAbove) })
        {
            if (value is { } limit)
            {
                yield return new Claim(type, limit.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64);
            }
        }
    }

    /// <summary>The budget the claims of <paramref name="user"/> carry.</summary>
    public static KeyBudget Read(ClaimsPrincipal user) => new(Limit(user, MaxPerCall), Limit(user, MaxPerDay), Limit(user, ConfirmAbove));

    private static long? Limit(ClaimsPrincipal user, string type) =>
        user.FindFirst(type)?.Value is { } value ? long.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture) : null;
}
