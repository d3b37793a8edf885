using System.Text;
using Microsoft.Data.Sqlite;

namespace CycleTokens.Core.Tests.Support;

/// <summary>
/// Damages a closed ledger file the way a bad disk or a stray write would: bytes of one b-tree page are overwritten in
/// place, behind SQLite's back. The file must have no -wal (every ledger on it closed), so the page is the live one.
/// </summary>
internal static class Damage
{
    /// <summary>Renames every occurrence of <paramref name="from"/> on the root page of an index: its entries no longer match their rows.</summary>
    public static void IndexEntries(string path, string index, string from, string to)
    {
        Assert.Equal(from.Length, to.Length);
        var (page, size) = RootPage(path, index);
        var bytes = ReadPage(path, page, size);
        var pattern = Encoding.UTF8.GetBytes(from);
        var replaced = 0;
        for (var i = bytes.AsSpan().IndexOf(pattern); i >= 0; i = bytes.AsSpan().IndexOf(pattern))
        {
            Encoding.UTF8.GetBytes(to).CopyTo(bytes, i);
            replaced++;
        }

        Assert.True(replaced > 0, $"'{from}' is not on the root page of {index}");
        WritePage(path, page, size, bytes);
    }

    /// <summary>Overwrites the b-tree page header of a table's root page: SQLite can no longer read the table.</summary>
    public static void TablePageHeader(string path, string table)
    {
        var (page, size) = RootPage(path, table);
        var bytes = ReadPage(path, page, size);
        bytes.AsSpan(0, 8).Fill(0xFF);
        WritePage(path, page, size, bytes);
    }

    /// <summary>Points the first free block of a table's root page into its own header: the page's free space is corrupt.</summary>
    public static void FreeSpacePointer(string path, string table)
    {
        var (page, size) = RootPage(path, table);
        var bytes = ReadPage(path, page, size);
        bytes[1] = 0;
        bytes[2] = 5;
        WritePage(path, page, size, bytes);
    }

    /// <summary>
    /// What <c>PRAGMA integrity_check</c> says, one finding a line without the "*** in database main ***" heading:
    /// ["ok"] when the file is sound, ["error: ..."] when damage stops the check itself.
    /// </summary>
    public static List<string> IntegrityCheck(string path)
    {
        using var connection = Untouched(path);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        var rows = new List<string>();
        try
        {
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                rows.AddRange(reader.GetString(0).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => !l.StartsWith("***", StringComparison.Ordinal)));
            }
        }
        catch (SqliteException ex)
        {
            rows.Add("error: " + ex.Message);
        }

        return rows;
    }

    // immutable=1: a plain read-only open of a WAL file would leave -wal and -shm behind it.
    private static SqliteConnection Untouched(string path) =>
        new(new SqliteConnectionStringBuilder { DataSource = "file:" + path + "?immutable=1", Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());

    private static (long Page, int Size) RootPage(string path, string name)
    {
        Assert.False(File.Exists(path + "-wal"), "the ledger must be closed (no -wal) before it is damaged");
        using var connection = Untouched(path);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT rootpage, (SELECT page_size FROM pragma_page_size()) FROM sqlite_master WHERE name = $name";
        command.Parameters.AddWithValue("$name", name);
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read(), $"no {name} in the schema");
        return (reader.GetInt64(0), reader.GetInt32(1));
    }

    private static byte[] ReadPage(string path, long page, int size)
    {
        var bytes = new byte[size];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read);
        stream.Position = (page - 1) * size;
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static void WritePage(string path, long page, int size, byte[] bytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
        stream.Position = (page - 1) * size;
        stream.Write(bytes);
    }
}
