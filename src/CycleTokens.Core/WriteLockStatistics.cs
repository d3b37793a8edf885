namespace CycleTokens.Core;

/// <summary>
/// How this ledger instance's writes fared with the file's write lock since it was opened: how long each waited for
/// the lock (its turn in the cross-process queue, then SQLite's lock) and how long it held it (its transaction, commit
/// included). Writes committed together (group commit) count once. Percentiles are within about 6%.
/// </summary>
/// <param name="Writes">Write transactions (each batch of grouped writes is one).</param>
/// <param name="WaitP50">Median wait for the lock.</param>
/// <param name="WaitP99">99th percentile of the wait.</param>
/// <param name="WaitMax">Longest wait.</param>
/// <param name="HeldP50">Median time the lock was held.</param>
/// <param name="HeldP99">99th percentile of the time held.</param>
/// <param name="HeldMax">Longest time held.</param>
public sealed record WriteLockStatistics(
    long Writes,
    TimeSpan WaitP50,
    TimeSpan WaitP99,
    TimeSpan WaitMax,
    TimeSpan HeldP50,
    TimeSpan HeldP99,
    TimeSpan HeldMax);
