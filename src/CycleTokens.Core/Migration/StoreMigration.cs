using System.Diagnostics;

namespace CycleTokens.Core.Migration;

/// <summary>
/// Copies a whole ledger from one store to another: SQLite to PostgreSQL and back, or between two of a kind
/// (<c>cycletokens migrate-store</c>).
/// </summary>
public static class StoreMigration
{
    /// <summary>
    /// Copies every row of every table of <paramref name="source"/> into <paramref name="target"/> exactly as stored —
    /// ids, seqs, times, chain hashes (never recomputed), API key hashes, stored outcomes of keyed calls, escrows,
    /// purchases, refunds, the discount cache, usage months — then verifies the target with the engine's
    /// <see cref="TokenLedger.VerifyAsync(IProgress{WorkProgress}, CancellationToken)"/> and counts its rows per table.
    /// </summary>
    /// <remarks>
    /// The source is opened read-only and read in one snapshot (SQLite: one read transaction; PostgreSQL: repeatable
    /// read), so servers may keep using it; what they write after the snapshot is not copied. The target is created or
    /// migrated if need be and written in one transaction holding its write lock: a failure or cancellation leaves it
    /// empty. On PostgreSQL the journal's seq identity is moved past the highest seq copied. The options' other
    /// settings (busy timeout, durability, month time zone) apply to both stores; the month totals are copied as they
    /// are, so use the target with the source's month time zone.
    /// </remarks>
    /// <param name="source">The ledger to copy.</param>
    /// <param name="target">Where to: a missing or empty SQLite file, or a PostgreSQL database without ledger rows.</param>
    /// <param name="copyProgress">Rows copied of all the source's rows.</param>
    /// <param name="verifyProgress">Transactions verified of the target's.</param>
    /// <param name="cancellationToken">Stops the copy (nothing is committed) or the verification.</param>
    /// <returns>Rows per table in both stores and the target's verification; <see cref="StoreMigrationReport.Ok"/> says whether both agree.</returns>
    /// <exception cref="StoreCopyException">
    /// The source and target are the same ledger, the target holds rows, a schema differs from the one this build copies,
    /// a stored value is not of its column's kind, or the target refused a row; nothing was committed to the target.
    /// </exception>
    /// <exception cref="LedgerOpenException">Either store cannot be opened (the source must exist and have this build's schema).</exception>
    /// <exception cref="LedgerUnavailableException">A PostgreSQL server went away during the copy, or the target's write lock was not granted within the busy timeout; nothing was committed.</exception>
    public static async Task<StoreMigrationReport> CopyAsync(
        LedgerOptions source,
        LedgerOptions target,
        IProgress<WorkProgress>? copyProgress = null,
        IProgress<WorkProgress>? verifyProgress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        if (SameStore.Check(source.DatabasePath, target.DatabasePath))
        {
            throw new StoreCopyException(StoreCopyFailure.SameLedger, "The source and the target are the same ledger: a ledger cannot be copied onto itself.");
        }

        var started = Stopwatch.GetTimestamp();
        var (from, to, tables) = await Task.Run(() => StoreCopy.Run(source, target, copyProgress, cancellationToken), cancellationToken).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started);

        using var copy = TokenLedger.Open(target with { ReadOnly = true });
        var verification = await copy.VerifyAsync(verifyProgress, cancellationToken).ConfigureAwait(false);
        return new StoreMigrationReport(from, to, tables, tables.Sum(t => t.Source), elapsed, verification);
    }
}
