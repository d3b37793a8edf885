using CycleTokens.Core.Keys;

namespace CycleTokens.Core.Budgets;

/// <summary>
/// Who causes a debit, for its budget: the credential (an API key, a JWT subject, a stdio server), its limits, and how
/// much the human confirmed for this one call.
/// </summary>
/// <remarks>
/// The engine enforces the budget inside the debit's write transaction, so it holds for every transport: a debit above
/// <see cref="KeyBudget.MaxPerCall"/>, or one that would take the credential's UTC-day total above
/// <see cref="KeyBudget.MaxPerDay"/>, fails with <see cref="LedgerErrorCode.BudgetExceeded"/>; one above
/// <see cref="KeyBudget.ConfirmAbove"/> fails with <see cref="LedgerErrorCode.ConfirmationRequired"/> unless
/// <see cref="Confirmed"/> covers it. Every debit through a spender is counted on its credential's day, whether or not
/// the credential has a daily limit, so a limit set during the day counts the whole day.
/// </remarks>
/// <param name="Credential">The credential's id: <c>key_…</c>, <c>jwt:&lt;issuer&gt; &lt;subject&gt;</c> or <c>stdio:&lt;account&gt;</c> (1-1000 characters).</param>
/// <param name="Budget">Its limits; <see cref="KeyBudget.None"/> for none.</param>
public sealed record Spender(string Credential, KeyBudget Budget)
{
    /// <summary>
    /// The largest debit the human confirmed for this call (the amount they were shown), or null when nobody was asked.
    /// A debit above it is refused, whatever the thresholds: prices may change between the question and the write.
    /// </summary>
    public long? Confirmed { get; init; }
}
