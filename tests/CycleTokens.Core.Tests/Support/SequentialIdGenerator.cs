using CycleTokens.Core.Ids;

namespace CycleTokens.Core.Tests.Support;

/// <summary>Predictable ids for tests: prefix_000001, prefix_000002, ... (per generator, thread-safe).</summary>
internal sealed class SequentialIdGenerator(string tag = "") : IIdGenerator
{
    private long _next;

    public string NewId(string prefix) => $"{prefix}_{tag}{Interlocked.Increment(ref _next):D6}";
}
