using System.Text.Json;

namespace CycleTokens.Core.Receipts;

/// <summary>Loading an existing key file: permissions first, then shape, then the keys themselves.</summary>
public sealed partial class ReceiptKeyRing
{
    private const UnixFileMode OthersAny = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>
    /// Reads the public keys of an existing key file, without creating anything or using the private key: what
    /// <c>cycletokens receipts verify</c> checks receipts against.
    /// </summary>
    /// <param name="path">The key file.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Every key the file lists, current first.</returns>
    /// <exception cref="ReceiptKeyException">The file does not exist, cannot be read, or is not a valid key file;
    /// the message names the path and never quotes key material.</exception>
    /// <remarks>The permissions are not checked here: reading public keys needs no secrecy, and a verifier need not
    /// be the file's owner (it needs read access, or the published JWK Set instead).</remarks>
    public static async Task<JwkSet> LoadPublicKeysAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new ReceiptKeyException(ReceiptKeyFailure.Inaccessible, full, $"The receipt key file {full} does not exist.");
        }

        var file = await ReadFileAsync(full, cancellationToken);
        return ReceiptKeyFileCheck.PublicProblem(file) is { } problem ? throw Malformed(full, problem) : PublicSetOf(file!.Keys);
    }

    private static async Task<ReceiptKeyRing> LoadAsync(string path, CancellationToken cancellationToken)
    {
        var (file, key) = await LoadCheckedAsync(path, cancellationToken);
        return new ReceiptKeyRing(path, file, key);
    }

    /// <summary>The file and its current signing key, after the permission, shape and key checks.</summary>
    private static async Task<(ReceiptKeyFile File, System.Security.Cryptography.ECDsa Key)> LoadCheckedAsync(string path, CancellationToken cancellationToken)
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

        var file = await ReadFileAsync(path, cancellationToken);
        var problem = ReceiptKeyFileCheck.TryOpen(file, out var key);
        return problem is null ? (file!, key!) : throw Malformed(path, problem);
    }

    /// <summary>The file as JSON of the expected shape, not yet checked.</summary>
    private static async Task<ReceiptKeyFile?> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ReceiptKeyException(ReceiptKeyFailure.Inaccessible, path, $"The receipt key file {path} cannot be read.", e);
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, ReceiptJsonContext.Default.ReceiptKeyFile);
        }
        catch (JsonException e)
        {
            throw Malformed(path, $"it is not JSON of the expected shape (at {e.Path ?? "$"})", e);
        }
    }

    private static JwkSet PublicSetOf(IEnumerable<ReceiptKeyFileEntry> keys) =>
        new(keys.Select(static key => new Jwk(key.Kid, key.X, key.Y)).ToList());

    private static ReceiptKeyException Malformed(string path, string why, Exception? inner = null) =>
        new(ReceiptKeyFailure.Malformed, path, $"The receipt key file {path} is not a valid CycleTokens receipt key file: {why}.", inner);
}
