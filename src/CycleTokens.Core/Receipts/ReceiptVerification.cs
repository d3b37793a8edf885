namespace CycleTokens.Core.Receipts;

/// <summary>What checking a receipt found: <see cref="ReceiptCheck.Valid"/> with its claims, or why not.</summary>
/// <param name="Outcome">The outcome.</param>
/// <param name="Claims">The signed claims when <paramref name="Outcome"/> is <see cref="ReceiptCheck.Valid"/>; otherwise null.</param>
public sealed record ReceiptVerification(ReceiptCheck Outcome, ReceiptClaims? Claims)
{
    /// <summary>True when the receipt is unaltered and signed by a listed key.</summary>
    public bool IsValid => Outcome == ReceiptCheck.Valid;

    internal static ReceiptVerification Failed(ReceiptCheck outcome) => new(outcome, null);
}
