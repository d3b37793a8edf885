namespace CycleTokens.Core.Budgets;

/// <summary>A debit the engine priced but did not write because it needs the human's confirmation.</summary>
/// <remarks>Carried by a <see cref="LedgerException"/> of code <see cref="LedgerErrorCode.ConfirmationRequired"/>.</remarks>
/// <param name="Kind">What the debit is: <c>charge</c>, <c>spend</c> or <c>escrow_hold</c>.</param>
/// <param name="Description">
/// What to show the human, e.g. <c>charge for model.download.full_ip</c> or <c>escrow hold for job "J-17" at fab acme</c>
/// (caller text quoted and shortened).
/// </param>
/// <param name="Amount">The tokens it would debit now.</param>
/// <param name="BalanceAfter">The account's balance after it, as of now.</param>
/// <param name="ConfirmAbove">The credential's confirmation threshold, or null when it has none (only when <paramref name="Confirmed"/> is set).</param>
/// <param name="Confirmed">What the human confirmed for this call, when it was asked and the amount has since grown above it; else null.</param>
public sealed record PendingDebit(string Kind, string Description, long Amount, long BalanceAfter, long? ConfirmAbove, long? Confirmed);
