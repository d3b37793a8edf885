namespace CycleTokens.Core;

/// <summary>How far a long piece of work (verify, backup) has come: <see cref="Done"/> of <see cref="Total"/> units.</summary>
/// <param name="Done">Units finished.</param>
/// <param name="Total">Units in all (transactions for verify, pages for a backup).</param>
public readonly record struct WorkProgress(long Done, long Total);
