namespace CycleTokens.Core;

/// <summary>SQLite's <c>synchronous</c> setting for the ledger file (WAL mode).</summary>
public enum SynchronousMode
{
    /// <summary>Every commit is fsynced: a committed charge survives power loss. The default.</summary>
    Full,

    /// <summary>Commits survive a process crash but the last ones may be lost on power loss; faster.</summary>
    Normal,
}
