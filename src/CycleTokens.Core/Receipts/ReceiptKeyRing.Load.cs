using System.Text.Json;

namespace CycleTokens.Core.Receipts;

/// <summary>Loading an existing key file: permissions first, then shape, then the keys themselves.</summary>
public sealed partial class ReceiptKeyRing
{
    private const UnixFileMode OthersAny = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

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

    private static ReceiptKeyException Malformed(string path, string why, Exception? inner = null) =>
        new(ReceiptKeyFailure.Malformed, path, $"The receipt key file {path} is not a valid CycleTokens receipt key file: {why}.", inner);
}
