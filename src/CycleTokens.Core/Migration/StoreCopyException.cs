namespace CycleTokens.Core.Migration;

/// <summary>
/// A copy between stores (<see cref="StoreMigration.CopyAsync"/>) was refused or failed; the target was left as it was
/// (a new SQLite file, or an empty database, stays empty). The message is one sentence for the operator naming the
/// store and the cause; it never shows a password.
/// </summary>
public sealed class StoreCopyException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="failure">What kind of failure.</param>
    /// <param name="message">The sentence to show.</param>
    /// <param name="inner">The database's error behind it, if any.</param>
    public StoreCopyException(StoreCopyFailure failure, string message, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
    }

    /// <summary>What kind of failure this is.</summary>
    public StoreCopyFailure Failure { get; }
}
