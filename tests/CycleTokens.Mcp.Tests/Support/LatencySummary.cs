using System.Globalization;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>Nearest-rank percentiles of round trips in milliseconds, for the test output (never asserted).</summary>
internal sealed record LatencySummary(int Count, double P50, double P90, double P99, double Max)
{
    public static LatencySummary Of(IEnumerable<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToArray();
        if (sorted.Length == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0);
        }

        double At(double p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new LatencySummary(sorted.Length, At(50), At(90), At(99), sorted[^1]);
    }

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"n={Count} p50={P50:F1} ms p90={P90:F1} ms p99={P99:F1} ms max={Max:F1} ms");
}
