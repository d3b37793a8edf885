using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace CycleTokens.Core.Storage.Sqlite;

/// <summary>
/// Says why a ledger file cannot be opened, naming the path and the cause, instead of SQLite's bare codes
/// (14 cannot open, 8 read-only, 26 not a database) or .NET's "file already exists" for a parent that is a file.
/// </summary>
internal static class OpenDiagnosis
{
    private const int ReadOnlyFileSystem = 30; // EROFS on Linux
    private const int WriteAccess = 2; // W_OK
    private const int HeaderBytes = 100;
    private static readonly byte[] SqliteHeader = "SQLite format 3\0"u8.ToArray();

    /// <summary>Checks what can be checked before SQLite touches anything; creates nothing.</summary>
    /// <returns>True when the file exists and its header says it is in WAL mode.</returns>
    internal static bool BeforeOpen(string full, bool readOnly)
    {
        if (Directory.Exists(full))
        {
            throw Fail(LedgerOpenFailure.NotAFile, full, $"The ledger path {full} is a folder, not a file.");
        }

        // The nearest part of the path that exists must be a folder: a file there makes every folder below impossible.
        var folder = Path.GetDirectoryName(full);
        for (var part = folder; !string.IsNullOrEmpty(part); part = Path.GetDirectoryName(part))
        {
            if (File.Exists(part))
            {
                throw Fail(LedgerOpenFailure.NotAFile, full, $"Cannot open the ledger {full}: {part} is a file, not a folder.");
            }

            if (Directory.Exists(part))
            {
                break;
            }
        }

        if (!File.Exists(full))
        {
            if (readOnly)
            {
                throw Fail(LedgerOpenFailure.Missing, full, folder is not null && !Directory.Exists(folder)
                    ? $"No ledger at {full}: the folder {folder} does not exist."
                    : $"No ledger at {full}: the file does not exist.");
            }

            return false;
        }

        var wal = CheckHeader(full);
        if (!readOnly)
        {
            CheckWritable(full, "file", full);
            // SQLite creates -wal and -shm beside the file when they are missing: then the folder must be writable too.
            if (folder is not null && (!File.Exists(full + "-wal") || !File.Exists(full + "-shm")))
            {
                CheckWritable(folder, "folder", full);
            }
        }

        return wal;
    }

    /// <summary>A missing folder that read-write open would create: the nearest existing folder must be writable.</summary>
    internal static void CheckCreatable(string folder, string full)
    {
        var existing = folder;
        while (!string.IsNullOrEmpty(existing) && !Directory.Exists(existing))
        {
            existing = Path.GetDirectoryName(existing);
        }

        if (!string.IsNullOrEmpty(existing) && existing != folder)
        {
            CheckWritable(existing, "folder", full);
        }
        else if (existing == folder && !File.Exists(full))
        {
            CheckWritable(folder, "folder", full);
        }
    }

    /// <summary>
    /// Before anything is written (journal mode, migration): the file must be empty, or carry the CycleTokens schema at
    /// a version this build can use. <paramref name="tables"/> are the file's table names.
    /// </summary>
    internal static void CheckSchema(int version, IReadOnlyCollection<string> tables, bool readOnly, string full)
    {
        // A version without the journal's tables, or tables without a version, is another application's database.
        var isLedger = tables.Contains("transactions") && tables.Contains("accounts");
        if ((version > 0 && !isLedger) || (version == 0 && tables.Count > 0))
        {
            throw Fail(LedgerOpenFailure.NotALedger, full, $"{full} is a SQLite database but not a CycleTokens ledger (it has no CycleTokens schema).");
        }

        var latest = Migrator.LatestVersion;
        if (version > latest)
        {
            throw Newer(full, version);
        }

        if (readOnly && version == 0)
        {
            throw Fail(LedgerOpenFailure.NotALedger, full, $"{full} is an empty SQLite database, not a CycleTokens ledger.");
        }

        if (readOnly && version < latest)
        {
            throw Fail(LedgerOpenFailure.SchemaMismatch, full, $"The ledger {full} has schema version {version}, older than this build's ({latest}), and a read-only open cannot migrate it: open it once with a command that writes, or use the older build.");
        }
    }

    /// <summary>The file's schema is newer than this build's scripts.</summary>
    internal static LedgerOpenException Newer(string full, int version) =>
        Fail(LedgerOpenFailure.SchemaMismatch, full, $"The ledger {full} has schema version {version}, newer than this build understands ({Migrator.LatestVersion}): use a newer cycletokens.");

    /// <summary>Turns a SQLite failure while opening into a sentence naming the path and the cause.</summary>
    internal static LedgerOpenException Explain(SqliteException ex, string full, bool readOnly)
    {
        var folder = Path.GetDirectoryName(full) ?? full;
        return (ex.SqliteErrorCode, ex.SqliteExtendedErrorCode) switch
        {
            (26, _) => Fail(LedgerOpenFailure.NotADatabase, full, $"{full} is not a SQLite database.", ex),
            // SQLITE_READONLY_ROLLBACK: a rollback journal left by a crash, which only a writer may play back.
            (8, 776) => Fail(LedgerOpenFailure.Unreadable, full, $"Cannot read the ledger {full}: {full}-journal holds an unfinished transaction that a read-only open cannot roll back; open it once with a command that writes.", ex),
            (8, _) => Fail(LedgerOpenFailure.NotWritable, full, $"The ledger {full} cannot be written: the file or its folder {folder} is read-only.", ex),
            (14, _) when readOnly && File.Exists(full + "-wal") && !File.Exists(full + "-shm") => Fail(
                LedgerOpenFailure.Unreadable,
                full,
                $"Cannot read the ledger {full}: {full}-wal holds changes but {full}-shm is missing and the folder {folder} is not writable, so SQLite cannot read the log; copy {Path.GetFileName(full)} and {Path.GetFileName(full)}-wal to a writable folder and verify the copy.",
                ex),
            (14, _) when readOnly => Fail(LedgerOpenFailure.Unreadable, full, $"Cannot read the ledger {full}: SQLite could not open it or its -wal/-shm files beside it in {folder} (a read-only folder needs both, or neither).", ex),
            (14, _) => Fail(LedgerOpenFailure.NotWritable, full, $"Cannot open the ledger {full}: SQLite could not open or create it or its -wal/-shm files in {folder}.", ex),
            (11, _) => Fail(LedgerOpenFailure.Unreadable, full, $"The ledger {full} is damaged: {ex.Message}", ex),
            _ => Fail(LedgerOpenFailure.Unreadable, full, $"Cannot open the ledger {full}: {ex.Message}", ex),
        };
    }

    /// <returns>True when the header's read and write versions (bytes 18 and 19) say WAL.</returns>
    private static bool CheckHeader(string full)
    {
        var header = new byte[HeaderBytes];
        int read;
        try
        {
            using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw Fail(LedgerOpenFailure.Unreadable, full, $"The ledger {full} cannot be read (permission denied).", ex);
        }

        // An empty file is an empty database to SQLite (a read-write open makes it a new ledger).
        if (read > 0 && (read < header.Length || !header.AsSpan(0, SqliteHeader.Length).SequenceEqual(SqliteHeader)))
        {
            throw Fail(LedgerOpenFailure.NotADatabase, full, $"{full} is not a SQLite database.");
        }

        return read > 0 && header[18] == 2 && header[19] == 2;
    }

    /// <summary>access(2) with W_OK: root passes unless the file system is read-only, as for SQLite itself.</summary>
    private static void CheckWritable(string path, string what, string full)
    {
        if (OperatingSystem.IsWindows() || access(path, WriteAccess) == 0)
        {
            return;
        }

        var errno = Marshal.GetLastPInvokeError();
        var cause = errno == ReadOnlyFileSystem ? "it is on a read-only file system" : "permission denied";
        throw Fail(LedgerOpenFailure.NotWritable, full, what == "file"
            ? $"The ledger file {full} is not writable ({cause})."
            : $"Cannot open the ledger {full}: the folder {path} is not writable ({cause}).");
    }

    private static LedgerOpenException Fail(LedgerOpenFailure failure, string full, string message, Exception? inner = null) =>
        new(failure, full, message, inner);

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int access([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode);
}
