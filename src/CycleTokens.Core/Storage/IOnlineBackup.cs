namespace CycleTokens.Core.Storage;

/// <summary>A backend that can copy itself into a new file while others keep writing (SQLite's online backup).</summary>
internal interface IOnlineBackup
{
    /// <summary>Copies the ledger into the new file <paramref name="path"/>, a few pages per step, inside the caller's read transaction.</summary>
    void BackupTo(string path, int pagesPerStep, IProgress<WorkProgress>? progress, CancellationToken cancellationToken);
}
