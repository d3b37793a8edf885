using CycleTokens.Core;

namespace CycleTokens.Bench.Ledger;

/// <summary>
/// What the in-process benchmarks of one <c>ledger</c> run share (they run in this process): the sizes, the seed files
/// and a scratch folder. Set by <see cref="LedgerMode"/> before BenchmarkDotNet starts.
/// </summary>
internal static class LedgerRun
{
    private static readonly Dictionary<int, string> ReadCopies = [];

    public static IReadOnlyList<int> Sizes { get; set; } = [1_000];

    public static IReadOnlyDictionary<int, string> Seeds { get; set; } = new Dictionary<int, string>();

    public static string Scratch { get; set; } = Path.GetTempPath();

    public static string NewFile(string name)
    {
        var path = Path.Combine(Scratch, name);
        Delete(path);
        return path;
    }

    /// <summary>A copy of the seed of this size, made once per run and shared by the read benchmarks (reads write nothing).</summary>
    public static string ReadCopy(int size)
    {
        if (!ReadCopies.TryGetValue(size, out var path))
        {
            path = NewFile($"read-{size}.db");
            File.Copy(Seeds[size], path);
            ReadCopies[size] = path;
        }

        return path;
    }

    /// <summary>A fresh copy of the seed of this size for benchmarks that write.</summary>
    public static string WriteCopy(int size)
    {
        var path = NewFile($"write-{size}.db");
        File.Copy(Seeds[size], path);
        return path;
    }

    public static void Delete(string path)
    {
        foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
        {
            File.Delete(path + suffix);
        }
    }

    public static T Run<T>(Task<T> task) => task.GetAwaiter().GetResult();

    public static TokenLedger OpenNew(string path, SynchronousMode synchronous) =>
        TokenLedger.Open(new LedgerOptions { DatabasePath = path, Synchronous = synchronous }, new BenchClock(BenchClock.MonthStart.AddDays(1)));
}
