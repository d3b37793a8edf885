namespace CycleTokens.Core.Storage;

/// <summary>
/// Durations in microseconds, counted in buckets: exact below 64 µs, then 16 per power of two (within 1/16, about 6%,
/// of the true value). Fixed memory however long the process runs. Thread-safe.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int Exact = 64;
    private const int SubBuckets = 16;
    private readonly long[] _counts = new long[Exact + ((63 - 6) * SubBuckets)];
    private readonly Lock _lock = new();
    private long _count;
    private long _max;

    internal long Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    internal void Record(long microseconds)
    {
        var value = Math.Max(0, microseconds);
        lock (_lock)
        {
            _counts[Index(value)]++;
            _count++;
            _max = Math.Max(_max, value);
        }
    }

    /// <summary>The smallest recorded value at or above which lies the given share of the records, or 0 when empty.</summary>
    internal long Percentile(double share)
    {
        lock (_lock)
        {
            if (_count == 0)
            {
                return 0;
            }

            var rank = Math.Max(1, (long)Math.Ceiling(share * _count));
            long seen = 0;
            for (var i = 0; i < _counts.Length; i++)
            {
                seen += _counts[i];
                if (seen >= rank)
                {
                    return Math.Min(UpperBound(i), _max);
                }
            }

            return _max;
        }
    }

    internal long Max
    {
        get
        {
            lock (_lock)
            {
                return _max;
            }
        }
    }

    private static int Index(long value)
    {
        if (value < Exact)
        {
            return (int)value;
        }

        var exponent = 63 - (int)long.LeadingZeroCount(value);
        var sub = (int)((value >> (exponent - 4)) & (SubBuckets - 1));
        return Exact + ((exponent - 6) * SubBuckets) + sub;
    }

    private static long UpperBound(int index)
    {
        if (index < Exact)
        {
            return index;
        }

        var exponent = ((index - Exact) / SubBuckets) + 6;
        var sub = (index - Exact) % SubBuckets;
        return ((long)(SubBuckets + sub + 1) << (exponent - 4)) - 1;
    }
}
