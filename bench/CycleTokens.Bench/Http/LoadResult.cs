namespace CycleTokens.Bench.Http;

/// <summary>
/// One measured closed loop: calls completed, wall time, latency in microseconds, and CPU time per call of the server
/// process (NaN in process) and of this process (the clients, or the engine itself in process).
/// </summary>
internal sealed record LoadResult(long Calls, double Seconds, Summary Latency, double ServerCpuPerCall, double ClientCpuPerCall)
{
    public double PerSecond => Calls / Seconds;
}
