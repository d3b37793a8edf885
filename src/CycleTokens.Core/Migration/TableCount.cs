namespace CycleTokens.Core.Migration;

/// <summary>The rows of one table in the source (in the snapshot copied) and in the target (after the commit).</summary>
/// <param name="Table">The table's name.</param>
/// <param name="Source">Rows in the source.</param>
/// <param name="Target">Rows in the target.</param>
public sealed record TableCount(string Table, long Source, long Target)
{
    /// <summary>True when both hold as many rows.</summary>
    public bool Matches => Source == Target;
}
