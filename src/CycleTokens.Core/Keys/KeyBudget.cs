namespace CycleTokens.Core.Keys;

/// <summary>A key's spend limits in tokens; each is optional (null: no limit).</summary>
/// <remarks>
/// Stored and shown with the key; enforcement (refusing debits above a limit, asking the human above
/// <see cref="ConfirmAbove"/>) comes with a later version, so today these limit nothing. Each is 0 to
/// 1,000,000,000,000; 0 is a real limit (a key that may not debit), not "none".
/// </remarks>
/// <param name="MaxPerCall">The largest single debit the key may cause.</param>
/// <param name="MaxPerDay">The most the key may debit in one UTC calendar day.</param>
/// <param name="ConfirmAbove">Debits above this ask the human first.</param>
public sealed record KeyBudget(long? MaxPerCall = null, long? MaxPerDay = null, long? ConfirmAbove = null)
{
    /// <summary>No limits.</summary>
    public static KeyBudget None { get; } = new();
}
