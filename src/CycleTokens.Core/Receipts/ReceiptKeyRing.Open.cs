using System.Diagnostics;

namespace CycleTokens.Core.Receipts;

/// <summary>Opening the key file, and creating it exactly once when several openers find it missing.</summary>
public sealed partial class ReceiptKeyRing
{
    private static readonly TimeSpan CreatorPoll = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan CreatorTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Opens the key file at <paramref name="path"/>, creating it with a new key if it does not exist.</summary>
    /// <param name="path">The key file, e.g. <c>&lt;ledger&gt;.receipt-keys.json</c>; its folder is created if needed.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>The key ring; dispose it to drop the private key from memory.</returns>
    /// <exception cref="ReceiptKeyException">The file is readable by others (on Unix), malformed, or cannot be read
    /// or written, or another creator has held <c>&lt;path&gt;.lock</c> for over ten seconds; the message names
    /// the path.</exception>
    /// <remarks>
    /// Creation takes <c>&lt;path&gt;.lock</c> (created exclusively, deleted on close), writes a 0600 temp file and
    /// renames it into place, so when several processes open a missing file at once exactly one creates the key and
    /// the others wait for it and load it. (<see cref="File.Move(string, string, bool)"/> without overwrite is not
    /// atomic on Unix, so it cannot pick the winner.)
    /// </remarks>
    public static Task<ReceiptKeyRing> OpenAsync(string path, CancellationToken cancellationToken = default) =>
        OpenAsync(path, beforeCreate: null, cancellationToken);

    /// <summary>As the public overload; <paramref name="beforeCreate"/> runs once the file was found missing and before
    /// the creation lock is tried, so tests can release several openers into the race together.</summary>
    internal static async Task<ReceiptKeyRing> OpenAsync(string path, Func<Task>? beforeCreate, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = System.IO.Path.GetFullPath(path);
        while (true)
        {
            if (File.Exists(full))
            {
                return await LoadAsync(full, cancellationToken);
            }

            if (beforeCreate is not null)
            {
                await beforeCreate();
                beforeCreate = null;
            }

            if (await TryCreateAsync(full, cancellationToken) is { } created)
            {
                return created;
            }

            await WaitForCreatorAsync(full, cancellationToken);
        }
    }

    /// <summary>Creates the file under the creation lock; null when another opener holds the lock.</summary>
    private static async Task<ReceiptKeyRing?> TryCreateAsync(string path, CancellationToken cancellationToken)
    {
        var lockPath = $"{path}.lock";
        FileStream creationLock;
        try
        {
            CreateFolder(path);
            creationLock = new FileStream(lockPath, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                Options = FileOptions.DeleteOnClose,
            });
        }
        catch (IOException) when (File.Exists(lockPath) || File.Exists(path))
        {
            // Held by another opener, or released just now because its file is in place: either way, not ours to make.
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ReceiptKeyException(ReceiptKeyFailure.Inaccessible, path, $"The receipt key file {path} cannot be created.", e);
        }

        await using (creationLock)
        {
            // The previous holder may have created it between our check and our lock.
            if (File.Exists(path))
            {
                return await LoadAsync(path, cancellationToken);
            }

            var (file, key) = NewFile([], ReceiptKeyFile.FormatVersion);
            try
            {
                await WriteAsync(path, file, cancellationToken);
            }
            catch
            {
                key.Dispose();
                throw;
            }

            return new ReceiptKeyRing(path, file, key);
        }
    }

    /// <summary>Waits until the file appears (whole, by rename) or the lock goes (its holder failed; try again).</summary>
    private static async Task WaitForCreatorAsync(string path, CancellationToken cancellationToken)
    {
        var lockPath = $"{path}.lock";
        var started = Stopwatch.GetTimestamp();
        while (!File.Exists(path) && File.Exists(lockPath))
        {
            if (Stopwatch.GetElapsedTime(started) > CreatorTimeout)
            {
                throw new ReceiptKeyException(
                    ReceiptKeyFailure.Inaccessible,
                    path,
                    $"The receipt key file {path} has been being created by another process for over {CreatorTimeout.TotalSeconds:0} seconds; if no server or command is starting, delete {lockPath}.");
            }

            await Task.Delay(CreatorPoll, cancellationToken);
        }
    }
}
