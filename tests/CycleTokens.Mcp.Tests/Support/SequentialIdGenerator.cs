using CycleTokens.Core.Ids;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>Predictable ids for tests: prefix_000001, prefix_000002, ...</summary>
internal sealed class SequentialIdGenerator : IIdGenerator
{
    private long _next;

    public string NewId(string prefix) => $"{prefix}_{Interlocked.Increment(ref _next):D6}";
}
