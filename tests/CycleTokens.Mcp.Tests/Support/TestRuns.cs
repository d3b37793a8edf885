using System.Globalization;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>Run settings shared by the long-running tests: the seed and the long mode.</summary>
internal static class TestRuns
{
    /// <summary><c>CYCLETOKENS_LONG_TESTS=1</c>: longer loads, more kills.</summary>
    public static bool Long => Environment.GetEnvironmentVariable("CYCLETOKENS_LONG_TESTS") == "1";

    /// <summary><c>CYCLETOKENS_SEED</c> when set, else <paramref name="defaultSeed"/>.</summary>
    public static int Seed(int defaultSeed) =>
        int.TryParse(Environment.GetEnvironmentVariable("CYCLETOKENS_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed) ? seed : defaultSeed;
}
