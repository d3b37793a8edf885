namespace CycleTokens.Core.Budgets;

/// <summary>A credential's limits and what it has debited today (UTC).</summary>
/// <param name="Credential">The credential's id.</param>
/// <param name="MaxPerCall">The largest single debit it may cause, or null for no limit.</param>
/// <param name="MaxPerDay">The most it may debit in one UTC day, or null for no limit.</param>
/// <param name="ConfirmAbove">Debits above this ask the human first, or null for never.</param>
/// <param name="Day">The UTC day counted: its start.</param>
/// <param name="UsedToday">Tokens debited through the credential today, less holds given back.</param>
/// <param name="LeftToday">What <see cref="MaxPerDay"/> still allows today (never negative), or null without a daily limit.</param>
/// <param name="ResetsAt">The next UTC midnight, when the day's total starts again from 0.</param>
public sealed record BudgetStatus(
    string Credential,
    long? MaxPerCall,
    long? MaxPerDay,
    long? ConfirmAbove,
    DateTimeOffset Day,
    long UsedToday,
    long? LeftToday,
    DateTimeOffset ResetsAt);
