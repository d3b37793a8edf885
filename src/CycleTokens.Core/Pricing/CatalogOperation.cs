namespace CycleTokens.Core.Pricing;

/// <summary>One priced operation of the catalogue.</summary>
/// <param name="Operation">Its name, e.g. <c>model.export.step</c>.</param>
/// <param name="Price">Its base price in tokens.</param>
/// <param name="Category">The part of the name before the first dot, e.g. <c>model</c>.</param>
public sealed record CatalogOperation(string Operation, long Price, string Category);
