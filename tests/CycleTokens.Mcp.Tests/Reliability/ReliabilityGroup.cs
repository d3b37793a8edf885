namespace CycleTokens.Mcp.Tests.Reliability;

/// <summary>
/// The multi-process tests run one at a time and after the parallel tests: each starts several servers on a
/// two-core machine, and their latency figures mean something only without other load.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReliabilityGroup
{
    public const string Name = "Reliability";
}
