namespace CycleTokens.Bench;

/// <summary>A candidate could not be measured (did not start, answered wrongly, timed out); the run goes on without it.</summary>
internal sealed class BenchException(string message) : Exception(message);
