namespace CycleTokens.Bench.Http;

/// <summary>
/// One measured closed loop: calls completed, wall time, latency in microseconds, CPU time per call of the server
/// process (NaN in process) and of this process (the clients, or the engine itself in process), and the range of the
/// one-minute load average at the starts of its slices.
/// </summary>
internal sealed record LoadResult(long Calls, double Seconds, Summary Latency, double ServerCpuPerCall, double ClientCpuPerCall, double LoadMin, double LoadMax)
{
    public double PerSecond => Calls / Seconds;
}
