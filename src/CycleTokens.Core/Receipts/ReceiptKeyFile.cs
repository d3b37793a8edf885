namespace CycleTokens.Core.Receipts;

/// <summary>The key file as stored: a format version, the kid of the signing key, and every key ever used.</summary>
/// <param name="Version">The file format; this build reads and writes 1.</param>
/// <param name="Current">The kid of the key that signs new receipts; its entry holds the private part.</param>
/// <param name="Keys">All keys, newest first; retired ones keep only their public part.</param>
internal sealed record ReceiptKeyFile(int Version, string Current, IReadOnlyList<ReceiptKeyFileEntry> Keys)
{
    internal const int FormatVersion = 1;
}
