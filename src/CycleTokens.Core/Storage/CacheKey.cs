namespace CycleTokens.Core.Storage;

/// <summary>The discount cache's key within a user: an operation and the hash of its canonical params.</summary>
internal readonly record struct CacheKey(string Operation, string ParamsHash);
