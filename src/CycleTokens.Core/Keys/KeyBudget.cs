namespace CycleTokens.Core.Keys;

/// <summary>A credential's spend limits in tokens (an API key's, stored with it; or a stdio server's); each is optional (null: no limit).</summary>
/// <remarks>
/// The engine enforces them on every debit given a <see cref="Budgets.Spender"/> with this budget: it refuses debits
/// above a hard limit and needs the human's confirmation above <see cref="ConfirmAbove"/>. Each is 0 to
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
