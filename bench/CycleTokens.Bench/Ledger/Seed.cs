using System.Text.Json;
using CycleTokens.Core;
using CycleTokens.Core.Charges;
using Microsoft.Data.Sqlite;

namespace CycleTokens.Bench.Ledger;

/// <summary>
/// Ledgers of a given size for the size benchmarks, built through the engine and kept between runs
/// (<c>seed/schema-N/ledger-SIZE.db</c>; rebuilt when the schema version changes).
/// </summary>
/// <remarks>
/// The worst case for every read: all transactions belong to the one measured user and fall in the current month.
/// The user is created (its allowance), granted 10^12 tokens, then charged: 20 catalogue operations in turn, 97
/// different params, a creator on every third charge. The first 60 charges are of <see cref="RareOperation"/>, which
/// never comes again, so a history filtered on it finds 50 rows at the far end of the user's history at every size.
/// </remarks>
internal static class Seed
{
    public const string User = "bench";

    public const string RareOperation = "marketplace.publish";

    private static readonly string[] Operations =
    [
        "model.export.step", "model.export.stl", "model.export.gltf", "model.export.obj", "model.download.mesh",
        "ai.identify.part", "ai.design_review", "ai.suggest_material", "ai.suggest_fastener", "cam.slice.model",
        "cam.cnc_toolpath", "cam.laser_path", "fab.quote.request", "fab.list.vendors", "marketplace.list",
        "analysis.thermal", "analysis.stress", "analysis.weight", "collab.share", "collab.comment",
    ];

    private static readonly JsonElement[] Params = [.. Enumerable.Range(0, 97).Select(i => JsonDocument.Parse($$"""{"part":{{i}},"units":"mm"}""").RootElement)];

    /// <summary>The seed files for the given sizes, building the missing ones (each from the largest smaller one).</summary>
    public static IReadOnlyDictionary<int, string> Ensure(string folder, IReadOnlyList<int> sizes)
    {
        var schema = typeof(TokenLedger).Assembly.GetManifestResourceNames().Count(n => n.EndsWith(".sql", StringComparison.Ordinal));
        var home = Directory.CreateDirectory(Path.Combine(folder, $"schema-{schema}")).FullName;
        string PathOf(int size) => Path.Combine(home, $"ledger-{size}.db");

        var result = new Dictionary<int, string>();
        foreach (var size in sizes.Order())
        {
            var target = PathOf(size);
            result[size] = target;
            if (File.Exists(target))
            {
                continue;
            }

            var from = Directory.GetFiles(home, "ledger-*.db")
                .Select(f => (File: f, Size: int.Parse(Path.GetFileNameWithoutExtension(f)["ledger-".Length..], System.Globalization.CultureInfo.InvariantCulture)))
                .Where(s => s.Size < size)
                .OrderByDescending(s => s.Size)
                .Select(s => s.File)
                .FirstOrDefault();
            var work = target + ".building";
            File.Delete(work);
            if (from is not null)
            {
                File.Copy(from, work);
            }

            var started = System.Diagnostics.Stopwatch.StartNew();
            Console.Error.WriteLine($"seeding {size:N0} transactions{(from is null ? string.Empty : " from " + Path.GetFileName(from))}");
            Grow(work, size);
            File.Move(work, target);
            Console.Error.WriteLine($"  seeded in {started.Elapsed.TotalSeconds:0.0} s");
        }

        return result;
    }

    /// <summary>The clock for a ledger seeded so far: one millisecond after its last transaction.</summary>
    public static BenchClock ClockAfter(string path)
    {
        var (_, last) = Position(path);
        return new BenchClock(last == 0 ? BenchClock.MonthStart.AddDays(1) : DateTimeOffset.FromUnixTimeMilliseconds(last));
    }

    /// <summary>Opens a seeded ledger with <c>synchronous=NORMAL</c> and the clock after its last transaction.</summary>
    public static TokenLedger Open(string path, SynchronousMode synchronous = SynchronousMode.Normal) =>
        TokenLedger.Open(new LedgerOptions { DatabasePath = path, Synchronous = synchronous }, ClockAfter(path));

    public static ChargeRequest Charge(long i) => new(i < 60 ? RareOperation : Operations[i % Operations.Length])
    {
        Params = Params[i % Params.Length],
        CreatorId = i % 3 == 0 ? "maker-" + (i % 5) : null,
    };

    private static void Grow(string path, int size)
    {
        var (count, _) = Position(path);
        using var ledger = Open(path);
        if (count == 0)
        {
            // Creates the user (its allowance transaction) and grants it enough for any run.
            ledger.GrantAsync(User, 1_000_000_000_000).GetAwaiter().GetResult();
            count = 2;
        }

        for (var i = count; i < size; i++)
        {
            ledger.ChargeAsync(User, Charge(i - 2)).GetAwaiter().GetResult();
        }
    }

    private static (long Count, long LastMs) Position(string path)
    {
        if (!File.Exists(path))
        {
            return (0, 0);
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*), COALESCE(MAX(created_ms), 0) FROM transactions";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
