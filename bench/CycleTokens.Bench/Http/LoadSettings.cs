namespace CycleTokens.Bench.Http;

/// <summary>
/// Each loop's warm-up, its measured time and calls per session in all (split into <paramref name="Rounds"/> slices
/// taken in turn with the other loops of the same session count).
/// </summary>
internal sealed record LoadSettings(TimeSpan Warmup, TimeSpan Duration, int MaxPerWorker, int Rounds);
