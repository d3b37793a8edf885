namespace CycleTokens.Core.Receipts;

/// <summary>The public keys to publish: the file's as it is now, so every process sharing it publishes the same set.</summary>
public sealed partial class ReceiptKeyRing
{
    // The public keys last read from the file and the file's write time and length then; re-read when either changes.
    private (DateTime Written, long Length, JwkSet Keys)? _published;

    /// <summary>
    /// The keys that verify receipts of this ledger, as a JWK Set: every key the file lists now (another process
    /// may have rotated since this ring was opened), then any of this ring's own keys the file does not list.
    /// </summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The set, newest key first; never empty.</returns>
    /// <remarks>
    /// The file is read again only when its write time or length has changed. A file that cannot be read now is
    /// left out rather than failing the request: the ring's own keys are still the right ones to publish.
    /// </remarks>
    public async Task<JwkSet> PublishedKeysAsync(CancellationToken cancellationToken = default)
    {
        var own = PublicKeySet();
        JwkSet? onDisk = null;
        try
        {
            var info = new FileInfo(Path);
            if (info.Exists)
            {
                var (written, length) = (info.LastWriteTimeUtc, info.Length);
                lock (_lock)
                {
                    if (_published is { } seen && seen.Written == written && seen.Length == length)
                    {
                        onDisk = seen.Keys;
                    }
                }

                if (onDisk is null)
                {
                    onDisk = await LoadPublicKeysAsync(Path, cancellationToken);
                    lock (_lock)
                    {
                        _published = (written, length, onDisk);
                    }
                }
            }
        }
        catch (ReceiptKeyException)
        {
            onDisk = null;
        }

        if (onDisk is null)
        {
            return own;
        }

        var extra = own.Keys.Where(key => onDisk.Find(key.Kid) is null);
        return new JwkSet([.. onDisk.Keys, .. extra]);
    }
}
