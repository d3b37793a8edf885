namespace CycleTokens.Bench.Http;

/// <summary>How long each closed loop warms up and runs, and how many calls a worker may make in it at most.</summary>
internal sealed record LoadSettings(TimeSpan Warmup, TimeSpan Duration, int MaxPerWorker);
