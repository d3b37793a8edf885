namespace CycleTokens.Core.Accounts;

/// <summary>A user's balance and where it stands in the month.</summary>
/// <param name="Account">The user account.</param>
/// <param name="Total">Spendable tokens: <see cref="Allowance"/> + <see cref="Purchased"/>.</param>
/// <param name="Allowance">This month's tier tokens still unspent; expire at the month's end.</param>
/// <param name="Purchased">Bought or granted tokens; never expire.</param>
/// <param name="HeldInEscrow">Tokens held in the user's escrows (not part of <see cref="Total"/>).</param>
/// <param name="Tier">The user's tier and its terms.</param>
/// <param name="UsedThisMonth">Tokens used this month by charges and spends, net of refunds.</param>
/// <param name="MonthStart">The first instant of the current month (UTC).</param>
/// <param name="NextReset">The first instant of the next month (UTC).</param>
public sealed record Balance(
    string Account,
    long Total,
    long Allowance,
    long Purchased,
    long HeldInEscrow,
    TierInfo Tier,
    long UsedThisMonth,
    DateTimeOffset MonthStart,
    DateTimeOffset NextReset)
{
    /// <summary>Tokens held in the user's held reservations (not part of <see cref="Total"/>).</summary>
    public long HeldInReservations { get; init; }

    /// <summary>The allowance still unspent this month (same as <see cref="Allowance"/>).</summary>
    public long RemainingThisMonth => Allowance;
}
