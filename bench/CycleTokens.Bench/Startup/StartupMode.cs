using System.CommandLine;
using System.Globalization;

namespace CycleTokens.Bench.Startup;

/// <summary>
/// <c>startup</c>: time to the initialize response of each candidate command, started cold and measured in rounds
/// (every candidate once per round, in the given order) after warm-up starts of each, so a drift of the machine over the
/// run touches all candidates alike. Prints a Markdown table on stdout and progress on stderr.
/// </summary>
internal static class StartupMode
{
    private static readonly Option<string[]> Candidates = new("--candidate")
    {
        Description = "LABEL=[VAR=value ...] PROGRAM [ARG ...]; {db} stands for the candidate's ledger file. Repeat for each candidate.",
        Required = true,
    };

    private static readonly Option<int> Runs = new("--runs") { Description = "Measured starts per candidate.", DefaultValueFactory = _ => 20 };

    private static readonly Option<int> Warmups = new("--warmups") { Description = "Unmeasured starts per candidate first.", DefaultValueFactory = _ => 2 };

    private static readonly Option<int> TimeoutSeconds = new("--timeout") { Description = "Seconds one start may take.", DefaultValueFactory = _ => 60 };

    public static Command Create()
    {
        var command = new Command("startup", "Cold start: spawn, send initialize, time until its response line.");
        command.Options.Add(Candidates);
        command.Options.Add(Runs);
        command.Options.Add(Warmups);
        command.Options.Add(TimeoutSeconds);
        command.SetAction((result, ct) => RunAsync(
            [.. result.GetValue(Candidates)!.Select(Candidate.Parse)],
            result.GetValue(Runs),
            result.GetValue(Warmups),
            TimeSpan.FromSeconds(result.GetValue(TimeoutSeconds)),
            ct));
        return command;
    }

    private static async Task<int> RunAsync(IReadOnlyList<Candidate> candidates, int runs, int warmups, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("cycletokens-bench-");
        var samples = candidates.ToDictionary(c => c, _ => new List<double>());
        var failures = new Dictionary<Candidate, string>();
        try
        {
            // The first start of a candidate creates its ledger; every measured start opens an existing one, as a client
            // starting a configured server does.
            for (var w = 0; w < warmups; w++)
            {
                await RoundAsync($"warm-up {w + 1}/{warmups}", sample: null);
            }

            for (var r = 0; r < runs; r++)
            {
                await RoundAsync($"round {r + 1}/{runs}", samples);
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }

        Console.Out.Write(Table(candidates, samples, failures, runs, warmups));
        return failures.Count == 0 ? 0 : 1;

        async Task RoundAsync(string what, Dictionary<Candidate, List<double>>? sample)
        {
            await Console.Error.WriteLineAsync(what);
            for (var i = 0; i < candidates.Count; i++)
            {
                var candidate = candidates[i];
                if (failures.ContainsKey(candidate))
                {
                    continue;
                }

                try
                {
                    var elapsed = await StartupProbe.MeasureAsync(candidate, Path.Combine(folder.FullName, $"ledger-{i}.db"), timeout, cancellationToken);
                    sample?[candidate].Add(elapsed.TotalMilliseconds);
                }
                catch (BenchException ex)
                {
                    failures[candidate] = ex.Message;
                    await Console.Error.WriteLineAsync($"  {candidate.Label}: {ex.Message}");
                }
            }
        }
    }

    private static string Table(IReadOnlyList<Candidate> candidates, Dictionary<Candidate, List<double>> samples, Dictionary<Candidate, string> failures, int runs, int warmups)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new System.Text.StringBuilder();
        text.AppendLine(inv, $"Startup to initialize response (MCP {StartupProbe.ProtocolVersion}), {runs} runs after {warmups} warm-ups, milliseconds:");
        text.AppendLine();
        text.AppendLine("| candidate | runs | median | p90 | min | max | mean |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var candidate in candidates)
        {
            if (failures.TryGetValue(candidate, out var reason))
            {
                text.AppendLine(inv, $"| {candidate.Label} | failed: {reason.Replace('|', '/')} ||||||");
                continue;
            }

            var s = Summary.Of(samples[candidate]);
            text.AppendLine(inv, $"| {candidate.Label} | {s.Count} | {s.Median:0.0} | {s.P90:0.0} | {s.Min:0.0} | {s.Max:0.0} | {s.Mean:0.0} |");
        }

        text.AppendLine();
        text.AppendLine("Commands:");
        text.AppendLine();
        foreach (var candidate in candidates)
        {
            var environment = string.Concat(candidate.Environment.Select(e => $"{e.Key}={e.Value} "));
            text.AppendLine(inv, $"- {candidate.Label}: `{environment}{candidate.FileName} {string.Join(' ', candidate.Arguments)}`");
        }

        return text.ToString();
    }
}
