using System.Security.Cryptography;

namespace CycleTokens.Core.Tests.Support;

/// <summary>
/// Every entry of a folder (recursively) with its size, last write time and content hash: two states are equal when
/// nothing was created, deleted or written.
/// </summary>
internal static class FolderState
{
    public static List<string> Of(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return ["(no folder)"];
        }

        return Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(entry => Directory.Exists(entry)
                ? $"{Path.GetRelativePath(folder, entry)}/"
                : $"{Path.GetRelativePath(folder, entry)} {new FileInfo(entry).Length} {File.GetLastWriteTimeUtc(entry):O} {Hash(entry)}")
            .ToList();
    }

    private static string Hash(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return Convert.ToHexString(SHA256.HashData(stream))[..16];
    }
}
