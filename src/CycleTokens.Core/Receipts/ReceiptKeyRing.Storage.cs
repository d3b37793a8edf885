using System.Security.Cryptography;
using System.Text.Json;

namespace CycleTokens.Core.Receipts;

/// <summary>Writing the key file: always a 0600 temp file renamed into place.</summary>
public sealed partial class ReceiptKeyRing
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

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

    private static async Task WriteAsync(string path, ReceiptKeyFile file, CancellationToken cancellationToken)
    {
        // Not a ledger id (those come from the injected generator): an unguessable name, created exclusively (CreateNew,
        // which follows no symlink), so nobody sharing the folder can plant a file or link there for the private key.
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            CreateFolder(path);
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

            // rename(2): readers see the old file or the new one, never a part.
            File.Move(temp, path, overwrite: true);
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

    private static void CreateFolder(string path)
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
    }
}
