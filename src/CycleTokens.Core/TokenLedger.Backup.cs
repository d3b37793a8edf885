namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    private const int BackupPagesPerStep = 256;

    /// <summary>
    /// Copies the ledger to <paramref name="destination"/> with SQLite's online backup: a consistent snapshot, safe while
    /// other processes keep writing (the copy is one snapshot of the file).
    /// </summary>
    /// <exception cref="LedgerException">The destination already exists or is the ledger itself.</exception>
    public Task BackupAsync(string destination, IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
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
                _db.Command(CountTxSql).ExecuteScalar();
                _db.BackupTo(target, BackupPagesPerStep, progress, cancellationToken);
                return null;
            },
            cancellationToken);
    }
}
