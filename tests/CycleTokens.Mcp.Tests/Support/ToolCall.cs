using System.Text.Json;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// One tool call a load test made: who made it, its outcome (result or error sentence), when it started (a
/// <see cref="System.Diagnostics.Stopwatch"/> timestamp) and its round trip.
/// </summary>
internal sealed record ToolCall(string Process, string Tool, string Account, JsonElement? Result, string? Error, bool Replayed, long Started, double LatencyMs)
{
    public bool Ok => Error is null;

    public long Long(string name) => Result!.Value.GetProperty(name).GetInt64();

    public string Str(string name) => Result!.Value.GetProperty(name).GetString()!;
}
