namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    private const int BackupPagesPerStep = 256;

    /// <summary>
    /// Copies the ledger to <paramref name="destination"/> with SQLite's online backup: a consistent snapshot, safe while
    /// other processes keep writing (the copy is one snapshot of the file). First runs SQLite's integrity check on the
    /// same snapshot: a damaged file is not copied unless <paramref name="force"/> (a copy would carry the damage and
    /// look like a good backup).
    /// </summary>
    /// <param name="destination">The new file; must not exist.</param>
    /// <param name="progress">Pages copied of the total.</param>
    /// <param name="force">Copy even a file that fails the integrity check (to keep what can be kept).</param>
    /// <param name="cancellationToken">Stops the copy between steps.</param>
    /// <exception cref="LedgerException">
    /// The destination already exists or is the ledger itself, or the ledger is on PostgreSQL
    /// (<see cref="LedgerErrorCode.InvalidArgument"/>), or the
    /// ledger fails the integrity check and <paramref name="force"/> is false (<see cref="LedgerErrorCode.IntegrityCheckFailed"/>);
    /// nothing is written then.
    /// </exception>
    public Task BackupAsync(string destination, IProgress<WorkProgress>? progress = null, bool force = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
        if (_stores.Backup is not { } backup)
        {
            throw new LedgerException(
                LedgerErrorCode.InvalidArgument,
                "backup copies a SQLite ledger file; back up a PostgreSQL ledger with pg_dump (see docs/operations.md)",
                "db");
        }

        var target = Path.GetFullPath(destination);
        if (File.Exists(target) || string.Equals(target, DatabasePath, StringComparison.Ordinal))
        {
            throw LedgerException.Invalid("file", "must not exist yet (a backup never overwrites a file)", Validation.Check.Shown(destination));
        }

        return ReadAsync<object?>(
            null,
            () =>
            {
                // Our read transaction pins one WAL snapshot for every step, so the copy is consistent and is never
                // restarted by other processes' commits (which go on meanwhile).
                _verification.CountTransactions();
                if (!force && IntegrityProblems() is [var first, ..] problems)
                {
                    throw new LedgerException(
                        LedgerErrorCode.IntegrityCheckFailed,
                        $"The ledger fails SQLite's integrity check ({problems.Count} problem(s), the first: {first}), so no backup was taken: a copy would carry the damage.");
                }

                backup.BackupTo(target, BackupPagesPerStep, progress, cancellationToken);
                return null;
            },
            cancellationToken);
    }
}
