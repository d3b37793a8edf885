namespace CycleTokens.Bench;

/// <summary>Order statistics of one candidate's samples (nearest-rank percentiles), in the samples' unit.</summary>
internal sealed record Summary(int Count, double Min, double Median, double P90, double Max, double Mean)
{
    /// <summary>The 99th percentile (nearest rank).</summary>
    public double P99 { get; private init; }

    public static Summary Of(IReadOnlyCollection<double> samples)
    {
        if (samples.Count == 0)
        {
            throw new ArgumentException("no samples", nameof(samples));
        }

        var sorted = samples.Order().ToArray();
        var median = sorted.Length % 2 == 1
            ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        return new Summary(sorted.Length, sorted[0], median, Rank(sorted, 0.9), sorted[^1], sorted.Average()) { P99 = Rank(sorted, 0.99) };
    }

    private static double Rank(double[] sorted, double p) => sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
