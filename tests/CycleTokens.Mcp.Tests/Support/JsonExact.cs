using System.Text.Json;
using System.Text.Json.Nodes;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// Compares JSON as the caller wrote it: the same names and strings code unit for code unit (so the same UTF-8 bytes;
/// no Unicode normalisation, no trimming), numbers as written, member order ignored (the ledger sorts keys).
/// </summary>
internal static class JsonExact
{
    /// <summary>Null when <paramref name="actual"/> holds exactly <paramref name="expected"/>, else where it differs.</summary>
    public static string? Difference(JsonNode? expected, JsonElement actual, string path = "$")
    {
        switch (expected)
        {
            case null:
                return actual.ValueKind == JsonValueKind.Null ? null : $"{path}: expected null, got {actual.ValueKind}";
            case JsonObject obj:
                if (actual.ValueKind != JsonValueKind.Object)
                {
                    return $"{path}: expected an object, got {actual.ValueKind}";
                }

                var names = actual.EnumerateObject().Select(p => p.Name).ToList();
                if (names.Count != obj.Count || names.Any(n => !obj.ContainsKey(n)))
                {
                    return $"{path}: names differ: expected [{string.Join(", ", obj.Select(p => HostileStrings.Describe(p.Key)))}], got [{string.Join(", ", names.Select(n => HostileStrings.Describe(n)))}]";
                }

                foreach (var (name, member) in obj)
                {
                    if (Difference(member, actual.GetProperty(name), path + "." + HostileStrings.Describe(name)) is { } d)
                    {
                        return d;
                    }
                }

                return null;
            case JsonArray array:
                if (actual.ValueKind != JsonValueKind.Array || actual.GetArrayLength() != array.Count)
                {
                    return $"{path}: expected an array of {array.Count}";
                }

                return array.Select((item, i) => Difference(item, actual[i], $"{path}[{i}]")).FirstOrDefault(d => d is not null);
            default:
                var value = expected.AsValue();
                if (value.TryGetValue<string>(out var text))
                {
                    return actual.ValueKind == JsonValueKind.String && string.Equals(actual.GetString(), text, StringComparison.Ordinal)
                        ? null
                        : $"{path}: expected \"{HostileStrings.Describe(text)}\", got {HostileStrings.Describe(actual.GetRawText())}";
                }

                return expected.ToJsonString() == actual.GetRawText() ? null : $"{path}: expected {expected.ToJsonString()}, got {actual.GetRawText()}";
        }
    }

    public static void AssertSame(JsonNode? expected, JsonElement actual, string what)
    {
        if (Difference(expected, actual) is { } difference)
        {
            throw new Xunit.Sdk.XunitException($"{what}: {difference}");
        }
    }
}
