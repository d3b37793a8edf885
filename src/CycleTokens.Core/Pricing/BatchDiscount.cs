namespace CycleTokens.Core.Pricing;

/// <summary>A batch discount step: charges of at least <paramref name="MinQuantity"/> operations get <paramref name="DiscountPct"/> off.</summary>
/// <param name="MinQuantity">The smallest quantity the step applies to.</param>
/// <param name="DiscountPct">The discount in percent.</param>
public sealed record BatchDiscount(int MinQuantity, int DiscountPct);
