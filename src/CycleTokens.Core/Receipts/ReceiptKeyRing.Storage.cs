using System.Security.Cryptography;
using System.Text.Json;

namespace CycleTokens.Core.Receipts;

/// <summary>Opening, creating and rotating the key file.</summary>
public sealed partial class ReceiptKeyRing
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode OthersAny = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Opens the key file at <paramref name="path"/>, creating it with a new key if it does not exist.</summary>
    /// <param name="path">The key file, e.g. <c>&lt;ledger&gt;.receipt-keys.json</c>; its folder is created if needed.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>The key ring; dispose it to drop the private key from memory.</returns>
    /// <exception cref="ReceiptKeyException">The file is readable by others (on Unix), malformed, or cannot be read
    /// or written; the message names the path.</exception>
    /// <remarks>
    /// Creation writes a temp file (mode 0600 from its creation) and links it into place without overwriting, so when
    /// several processes create the file at once exactly one key ring wins and the others load it.
    /// </remarks>
    public static Task<ReceiptKeyRing> OpenAsync(string path, CancellationToken cancellationToken = default) =>
        OpenAsync(path, beforeLink: null, cancellationToken);

    /// <summary>As the public overload; <paramref name="beforeLink"/> runs after the temp file is written and before
    /// it is linked into place, so tests can hold several creators at the point where they race.</summary>
    internal static async Task<ReceiptKeyRing> OpenAsync(string path, Func<Task>? beforeLink, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = System.IO.Path.GetFullPath(path);
        while (true)
        {
            if (File.Exists(full))
            {
                return await LoadAsync(full, cancellationToken);
            }

            var (file, key) = NewFile([], ReceiptKeyFile.FormatVersion);
            if (await TryWriteAsync(full, file, overwrite: false, beforeLink, cancellationToken))
            {
                return new ReceiptKeyRing(full, file, key);
            }

            // Another process created the file first: drop ours and load theirs.
            key.Dispose();
        }
    }

    /// <summary>
    /// Makes a new key current. The previous keys stay listed with their public parts only, so receipts they signed
    /// still verify and they can sign nothing more.
    /// </summary>
    /// <param name="cancellationToken">Cancels the rotation before the file is replaced.</param>
    /// <exception cref="ReceiptKeyException">The file cannot be written; the ring is unchanged.</exception>
    public async Task RotateAsync(CancellationToken cancellationToken = default)
    {
        await _rotation.WaitAsync(cancellationToken);
        try
        {
            ReceiptKeyFile current;
            lock (_lock)
            {
                current = _file;
            }

            var retired = current.Keys.Select(static key => key with { D = null });
            var (file, key) = NewFile(retired, current.Version);
            try
            {
                await TryWriteAsync(Path, file, overwrite: true, beforeLink: null, cancellationToken);
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

    private static (ReceiptKeyFile File, ECDsa Key) NewFile(IEnumerable<ReceiptKeyFileEntry> older, int version)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var parameters = key.ExportParameters(includePrivateParameters: true);
        var x = Base64UrlText.Encode(parameters.Q.X);
        var y = Base64UrlText.Encode(parameters.Q.Y);
        var d = Base64UrlText.Encode(parameters.D);
        CryptographicOperations.ZeroMemory(parameters.D);
        var kid = P256Keys.Thumbprint(x, y);
        var entry = new ReceiptKeyFileEntry(kid, x, y, d);
        return (new ReceiptKeyFile(version, kid, [entry, .. older]), key);
    }

    private static async Task<ReceiptKeyRing> LoadAsync(string path, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & OthersAny) != 0)
            {
                throw new ReceiptKeyException(
                    ReceiptKeyFailure.TooOpen,
                    path,
                    $"The receipt key file {path} is accessible to other users (mode {Convert.ToString((int)mode, 8)}); make it readable only by its owner (chmod 600).");
            }
        }

        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ReceiptKeyException(ReceiptKeyFailure.Inaccessible, path, $"The receipt key file {path} cannot be read.", e);
        }

        ReceiptKeyFile? file;
        try
        {
            file = JsonSerializer.Deserialize(bytes, ReceiptJsonContext.Default.ReceiptKeyFile);
        }
        catch (JsonException e)
        {
            throw Malformed(path, $"it is not JSON of the expected shape (at {e.Path ?? "$"})", e);
        }

        var problem = ReceiptKeyFileCheck.TryOpen(file, out var key);
        return problem is null ? new ReceiptKeyRing(path, file!, key!) : throw Malformed(path, problem);
    }

    private static async Task<bool> TryWriteAsync(
        string path, ReceiptKeyFile file, bool overwrite, Func<Task>? beforeLink, CancellationToken cancellationToken)
    {
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            var folder = System.IO.Path.GetDirectoryName(path)!;
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                Directory.CreateDirectory(folder, OwnerOnly | UnixFileMode.UserExecute);
            }

            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = OwnerOnly;
            }

            await using (var stream = new FileStream(temp, options))
            {
                if (!OperatingSystem.IsWindows())
                {
                    // The umask can only narrow the create mode; set it outright before the private key is written.
                    File.SetUnixFileMode(stream.SafeFileHandle, OwnerOnly);
                }

                await JsonSerializer.SerializeAsync(stream, file, ReceiptJsonContext.Default.ReceiptKeyFile, cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            if (beforeLink is not null)
            {
                await beforeLink();
            }

            try
            {
                File.Move(temp, path, overwrite);
                return true;
            }
            catch (IOException) when (!overwrite && File.Exists(path))
            {
                return false;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ReceiptKeyException(ReceiptKeyFailure.Inaccessible, path, $"The receipt key file {path} cannot be written.", e);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static ReceiptKeyException Malformed(string path, string why, Exception? inner = null) =>
        new(ReceiptKeyFailure.Malformed, path, $"The receipt key file {path} is not a valid CycleTokens receipt key file: {why}.", inner);
}
