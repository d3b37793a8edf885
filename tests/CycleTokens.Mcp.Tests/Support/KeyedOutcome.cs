using System.Text.Json;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// The answer to a keyed call: its result, or the business failure it was refused with; which host gave it, and
/// whether it was a replay of the key's stored outcome.
/// </summary>
internal sealed record KeyedOutcome(string Host, JsonElement? Result, string? Error, bool Replayed)
{
    public bool Ok => Error is null;

    public long Long(string name) => Result!.Value.GetProperty(name).GetInt64();

    public string Str(string name) => Result!.Value.GetProperty(name).GetString()!;
}
