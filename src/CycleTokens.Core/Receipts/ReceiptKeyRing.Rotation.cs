using System.Diagnostics;

namespace CycleTokens.Core.Receipts;

/// <summary>Rotating keys, safely when several processes hold the same file.</summary>
public sealed partial class ReceiptKeyRing
{
    /// <summary>
    /// Makes a new key current. The previous keys stay listed with their public parts only, so receipts they signed
    /// still verify and they can sign nothing more.
    /// </summary>
    /// <param name="cancellationToken">Cancels the rotation before the file is replaced.</param>
    /// <exception cref="ReceiptKeyException">The file cannot be read or written, or another process has held
    /// <c>&lt;path&gt;.lock</c> for over ten seconds; the ring is unchanged.</exception>
    /// <remarks>
    /// Takes <c>&lt;path&gt;.lock</c> (the lock creation takes), then re-reads the file and builds the new one from what
    /// it lists now, so a rotation made meanwhile by another process is kept rather than overwritten. Keys this ring
    /// holds that the file no longer lists stay listed too: receipts they signed must still verify.
    /// </remarks>
    public Task RotateAsync(CancellationToken cancellationToken = default) => RotateAsync(afterRead: null, lockBusy: null, cancellationToken);

    /// <summary>As the public overload; <paramref name="afterRead"/> runs under the lock once the file has been read,
    /// and <paramref name="lockBusy"/> once when the lock is found held, so tests can interleave two rotations.</summary>
    internal async Task RotateAsync(Func<Task>? afterRead, Action? lockBusy, CancellationToken cancellationToken)
    {
        await _rotation.WaitAsync(cancellationToken);
        try
        {
            await using var held = await TakeLockAsync(Path, lockBusy, cancellationToken);
            var (onDisk, diskKey) = await LoadCheckedAsync(Path, cancellationToken);
            diskKey.Dispose();
            if (afterRead is not null)
            {
                await afterRead();
            }

            ReceiptKeyFile mine;
            lock (_lock)
            {
                mine = _file;
            }

            var unlisted = mine.Keys.Where(key => !onDisk.Keys.Any(listed => string.Equals(listed.Kid, key.Kid, StringComparison.Ordinal)));
            var retired = onDisk.Keys.Concat(unlisted).Select(static key => key with { D = null }).ToList();
            var (file, key) = NewFile(retired, onDisk.Version);
            try
            {
                await WriteAsync(Path, file, cancellationToken);
            }
            catch
            {
                key.Dispose();
                throw;
            }

            lock (_lock)
            {
                _signingKey.Dispose();
                _signingKey = key;
                _file = file;
            }
        }
        finally
        {
            _rotation.Release();
        }
    }

    /// <summary>Takes <c>&lt;path&gt;.lock</c> (created exclusively, deleted on close), waiting while another holder has it.</summary>
    private static async Task<FileStream> TakeLockAsync(string path, Action? busy, CancellationToken cancellationToken)
    {
        var lockPath = $"{path}.lock";
        var started = Stopwatch.GetTimestamp();
        var vanished = false;
        while (true)
        {
            try
            {
                return new FileStream(lockPath, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    Share = FileShare.None,
                    Options = FileOptions.DeleteOnClose,
                });
            }
            catch (IOException) when (File.Exists(lockPath) || !vanished)
            {
                // Held by another process; or released between our attempt and the check, so try once more at once.
                vanished = !File.Exists(lockPath);
                if (vanished)
                {
                    continue;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ReceiptKeyException(ReceiptKeyFailure.Inaccessible, path, $"The receipt key file {path} cannot be locked ({lockPath}).", e);
            }

            busy?.Invoke();
            busy = null;
            if (Stopwatch.GetElapsedTime(started) > CreatorTimeout)
            {
                throw new ReceiptKeyException(
                    ReceiptKeyFailure.Inaccessible,
                    path,
                    $"The receipt key file {path} has been locked by another process for over {CreatorTimeout.TotalSeconds:0} seconds; if no server or command is starting or rotating keys, delete {lockPath}.");
            }

            await Task.Delay(CreatorPoll, cancellationToken);
        }
    }
}
