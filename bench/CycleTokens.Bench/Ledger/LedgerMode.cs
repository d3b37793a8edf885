using System.CommandLine;
using System.Globalization;
using System.Text;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;
using BdnSummary = BenchmarkDotNet.Reports.Summary;

namespace CycleTokens.Bench.Ledger;

/// <summary>
/// <c>ledger</c>: the engine in process, with BenchmarkDotNet. Item 1 (<see cref="FloorBenchmarks"/>): a charge against
/// the storage floor at FULL and NORMAL. Item 2 (<see cref="SizeReadBenchmarks"/>, <see cref="SizeChargeBenchmarks"/>):
/// each call at every ledger size. Prints Markdown tables on stdout (BenchmarkDotNet's own log goes to stderr).
/// </summary>
internal static class LedgerMode
{
    private static readonly Option<string> Part = new("--part") { Description = "floor, size or all.", DefaultValueFactory = _ => "all" };

    private static readonly Option<string> Sizes = new("--sizes") { Description = "Comma-separated ledger sizes for item 2.", DefaultValueFactory = _ => "1000,10000,100000,1000000" };

    private static readonly Option<bool> Quick = new("--quick") { Description = "Fewer and shorter iterations." };

    private static readonly Option<string> Work = new("--work") { Description = "Folder for seeded ledgers (kept) and scratch files.", DefaultValueFactory = _ => "artifacts/bench/ledger" };

    public static Command Create()
    {
        var command = new Command("ledger", "The engine in process (BenchmarkDotNet): charge against the storage floor, and every call at each ledger size.");
        command.Options.Add(Part);
        command.Options.Add(Sizes);
        command.Options.Add(Quick);
        command.Options.Add(Work);
        command.SetAction(result => Run(
            result.GetValue(Part)!,
            [.. result.GetValue(Sizes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))],
            result.GetValue(Quick),
            Path.GetFullPath(result.GetValue(Work)!)));
        return command;
    }

    private static int Run(string part, IReadOnlyList<int> sizes, bool quick, string work)
    {
        var scratch = Directory.CreateDirectory(Path.Combine(work, "scratch")).FullName;
        LedgerRun.Scratch = scratch;
        LedgerRun.Sizes = sizes;
        var output = new StringBuilder();
        try
        {
            if (part is "floor" or "all")
            {
                var summary = BenchmarkRunner.Run<FloorBenchmarks>(Config(Job(quick), work));
                output.Append(FloorTable(summary));
                output.Append(FloorRounds.Run(quick));
                output.Append(ConcurrentCharges.Run(quick));
            }

            if (part is "size" or "all")
            {
                LedgerRun.Seeds = Seed.Ensure(Path.Combine(work, "seed"), sizes);
                var reads = BenchmarkRunner.Run<SizeReadBenchmarks>(Config(Job(quick), work));
                SizeChargeBenchmarks.PerIteration = quick ? 50 : 100;
                var charges = BenchmarkRunner.Run<SizeChargeBenchmarks>(Config(
                    Job(quick).WithInvocationCount(SizeChargeBenchmarks.PerIteration).WithUnrollFactor(1),
                    work));
                output.Append(SizeTable(sizes, [reads, charges]));
            }
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }

        Console.Out.Write(output.ToString());
        return 0;
    }

    private static Job Job(bool quick) => BenchmarkDotNet.Jobs.Job.Default
        .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(10), logOutput: false))
        .WithWarmupCount(quick ? 2 : 4)
        .WithIterationCount(quick ? 5 : 12)
        .WithIterationTime(TimeInterval.FromMilliseconds(quick ? 100 : 250));

    private static ManualConfig Config(Job job, string work) => ManualConfig.CreateEmpty()
        .AddJob(job)
        .AddLogger(new StderrLogger())
        .AddColumnProvider(DefaultColumnProviders.Instance)
        .AddDiagnoser(MemoryDiagnoser.Default)
        .WithArtifactsPath(Path.Combine(work, "bdn"))
        .WithOptions(ConfigOptions.DisableLogFile | ConfigOptions.JoinSummary);

    private static string FloorTable(BdnSummary summary)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("Item 1: a charge against the storage floor (BenchmarkDotNet, in process, one new file per case), microseconds per call:");
        text.AppendLine();
        text.AppendLine("| synchronous | floor mean | floor median | charge mean | charge median | charge / floor (mean) | charges per second | allocated per charge |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var group in summary.Reports.GroupBy(r => r.BenchmarkCase.Parameters["Sync"]!.ToString()))
        {
            var floor = group.Single(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == nameof(FloorBenchmarks.Floor));
            var charge = group.Single(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == nameof(FloorBenchmarks.Charge));
            if (floor.ResultStatistics is not { } f || charge.ResultStatistics is not { } c)
            {
                text.AppendLine(inv, $"| {group.Key} | failed |||||||");
                continue;
            }

            text.AppendLine(inv, $"| {group.Key?.ToUpperInvariant()} | {f.Mean / 1000:0.0} | {f.Median / 1000:0.0} | {c.Mean / 1000:0.0} | {c.Median / 1000:0.0} | {c.Mean / f.Mean:0.00} | {1e9 / c.Mean:N0} | {Allocated(charge)} |");
        }

        text.AppendLine();
        return text.ToString();
    }

    private static string SizeTable(IReadOnlyList<int> sizes, IReadOnlyList<BdnSummary> summaries)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        var ordered = sizes.Order().ToList();
        text.AppendLine("Item 2: each call at each ledger size (all transactions the measured user's, in the current month; synchronous=NORMAL), mean microseconds per call:");
        text.AppendLine();
        text.AppendLine("| call | " + string.Join(" | ", ordered.Select(s => s.ToString("N0", inv))) + $" | {ordered[^1]:N0} / {ordered[0]:N0} | allocated at {ordered[^1]:N0} |");
        text.AppendLine("|---|" + string.Concat(ordered.Select(_ => "---:|")) + "---:|---:|");
        foreach (var method in summaries.SelectMany(s => s.Reports).GroupBy(r => r.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo))
        {
            var bySize = method.ToDictionary(r => (int)r.BenchmarkCase.Parameters["Size"]!);
            var means = ordered.Select(s => bySize.TryGetValue(s, out var r) && r.ResultStatistics is { } st ? st.Mean / 1000 : double.NaN).ToList();
            text.AppendLine(inv, $"| {method.Key.Trim('\'')} | {string.Join(" | ", means.Select(m => double.IsNaN(m) ? "failed" : m.ToString("0.0", inv)))} | {means[^1] / means[0]:0.00} | {(bySize.TryGetValue(ordered[^1], out var last) ? Allocated(last) : "-")} |");
        }

        text.AppendLine();
        return text.ToString();
    }

    private static string Allocated(BenchmarkReport report)
    {
        var bytes = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
        return bytes is { } b ? b.ToString("N0", CultureInfo.InvariantCulture) + " B" : "-";
    }

    /// <summary>BenchmarkDotNet's progress log, on stderr so stdout carries only the tables.</summary>
    private sealed class StderrLogger : ILogger
    {
        public string Id => "stderr";

        public int Priority => 0;

        public void Write(LogKind logKind, string text) => Console.Error.Write(text);

        public void WriteLine() => Console.Error.WriteLine();

        public void WriteLine(LogKind logKind, string text) => Console.Error.WriteLine(text);

        public void Flush() => Console.Error.Flush();
    }
}
