using CycleTokens.Core.Verification;

namespace CycleTokens.Core.Migration;

/// <summary>What a copy between stores did and what the checks after it found.</summary>
/// <param name="Source">The source as shown to an operator (a file path, or a PostgreSQL location without password).</param>
/// <param name="Target">The target, shown the same way.</param>
/// <param name="Tables">Every table of the schema with its rows in the source and in the target, in copy order.</param>
/// <param name="Rows">Rows copied, all tables together.</param>
/// <param name="Elapsed">How long the copy took, from opening the source to the target's commit (verification not included).</param>
/// <param name="Verification">The engine's verification of the target: hash chain, sums, balances against postings.</param>
public sealed record StoreMigrationReport(
    string Source,
    string Target,
    IReadOnlyList<TableCount> Tables,
    long Rows,
    TimeSpan Elapsed,
    VerificationReport Verification)
{
    /// <summary>True when every table holds as many rows in the target as in the source.</summary>
    public bool CountsMatch => Tables.All(t => t.Matches);

    /// <summary>True when the counts match and the target verifies.</summary>
    public bool Ok => CountsMatch && Verification.Ok;
}
