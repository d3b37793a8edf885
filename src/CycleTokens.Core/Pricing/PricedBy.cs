namespace CycleTokens.Core.Pricing;

/// <summary>Where a price came from.</summary>
public enum PricedBy
{
    /// <summary>The operation is in the catalogue.</summary>
    Catalogue,

    /// <summary>The operation is unknown and was priced at the default price.</summary>
    Default,
}
