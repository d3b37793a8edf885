namespace CycleTokens.Core.Receipts;

/// <summary>Taking up a rotation another process made: the file's current key signs from then on.</summary>
public sealed partial class ReceiptKeyRing
{
    // The file's write time and length when this ring last compared its current key with the file's.
    private (DateTime Written, long Length)? _adoptedStamp;

    /// <summary>
    /// Switches to the key the file now names as current when another process rotated it (<c>receipts rotate</c>), so
    /// new receipts are signed with it. Keys this ring held that the file no longer lists stay listed, public part
    /// only, so their receipts still verify.
    /// </summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>True when the signing key changed.</returns>
    /// <exception cref="ReceiptKeyException">The file now cannot be read, is readable by others or is malformed; the
    /// ring keeps signing with its key.</exception>
    /// <remarks>The file is read only when its write time or length changed since the last look.</remarks>
    public async Task<bool> AdoptRotationAsync(CancellationToken cancellationToken = default)
    {
        var info = new FileInfo(Path);
        if (!info.Exists)
        {
            return false;
        }

        var stamp = (info.LastWriteTimeUtc, info.Length);
        lock (_lock)
        {
            if (_adoptedStamp == stamp)
            {
                return false;
            }
        }

        await _rotation.WaitAsync(cancellationToken);
        try
        {
            var (onDisk, key) = await LoadCheckedAsync(Path, cancellationToken);
            lock (_lock)
            {
                _adoptedStamp = stamp;
                if (string.Equals(onDisk.Current, _file.Current, StringComparison.Ordinal))
                {
                    key.Dispose();
                    return false;
                }

                var unlisted = _file.Keys
                    .Where(mine => !onDisk.Keys.Any(listed => string.Equals(listed.Kid, mine.Kid, StringComparison.Ordinal)))
                    .Select(static mine => mine with { D = null });
                _file = onDisk with { Keys = [.. onDisk.Keys, .. unlisted] };
                _signingKey.Dispose();
                _signingKey = key;
                return true;
            }
        }
        finally
        {
            _rotation.Release();
        }
    }
}
