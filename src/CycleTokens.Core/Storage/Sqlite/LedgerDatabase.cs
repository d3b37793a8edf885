using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Data.Common;
using CycleTokens.Core.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace CycleTokens.Core.Storage.Sqlite;

/// <summary>
/// One open connection to the ledger file with its pragmas set and a cache of prepared commands.
/// Not thread-safe: <see cref="TokenLedger"/> serialises access.
/// </summary>
internal sealed class LedgerDatabase : ISqlSession, IOnlineBackup
{
    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    // Held for the connection's lifetime: SQLite keeps a pointer to its native thunk.
    private BusyCallback? _busyCallback;
    private WriteQueue? _queue;
    private long _lockedAt;

    // When the current write asked for the lock: its wait in the queue counts against the same busy timeout.
    private long _askedAt;

    private TimeSpan _busyTimeout;

    // "main\0": the schema name SQLite's file control takes, as the C string it expects.
    private static readonly byte[] MainDatabase = "main\0"u8.ToArray();
    private bool _fileControl = SQLitePCL.raw.GetNativeLibraryName() == "e_sqlite3";

    private LedgerDatabase(SqliteConnection connection) => _connection = connection;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int BusyCallback(IntPtr state, int count);

    internal bool InTransaction { get; private set; }

    /// <summary>Write transactions committed through this connection (tests read it to see writes grouped).</summary>
    public long Commits { get; private set; }

    /// <summary>Numbers this connection's write transactions: the current (or last) one's.</summary>
    public long WriteNumber { get; private set; }

    /// <summary>Undos of any kind (rollback, rollback to a savepoint) through this connection.</summary>
    public long Undos { get; private set; }

    /// <summary>The number of the last write transaction that committed.</summary>
    public long CommittedWrite { get; private set; }

    // The file's data version right after that commit; null when SQLite's file control is not available.
    private uint? _committedVersion;

    /// <summary>Microseconds each write waited for the write lock (queue turn, then SQLite's lock).</summary>
    public LatencyHistogram LockWaits { get; } = new();

    /// <summary>Microseconds each write held the write lock, its commit or rollback included.</summary>
    public LatencyHistogram LockHolds { get; } = new();

    /// <summary>The full path of the ledger file.</summary>
    internal string Path { get; private init; } = string.Empty;

    /// <summary>Opened with <see cref="LedgerOptions.ReadOnly"/>: nothing may be written.</summary>
    internal bool ReadOnly { get; private init; }

    // Read-only, without locks (SQLite immutable): the main file's size and last write when opened, to detect a writer.
    private (long Length, DateTime Written)? _unlockedStamp;

    /// <summary>
    /// Opens the file, or fails with <see cref="LedgerOpenException"/> naming the path and the cause. What can be
    /// checked without SQLite is checked first, and the schema before anything is written (journal mode, migration),
    /// so a file that is not a usable ledger is left exactly as it was.
    /// </summary>
    internal static LedgerDatabase Open(LedgerOptions options)
    {
        var full = System.IO.Path.GetFullPath(options.DatabasePath);
        var wal = OpenDiagnosis.BeforeOpen(full, options.ReadOnly);
        if (!options.ReadOnly)
        {
            CreateFolder(full);
        }

        // A WAL file that no connection has open (no -wal beside it) holds everything committed in the main file. A
        // plain read-only open would create -wal and -shm (and leave them: a reader cannot checkpoint), so it is read
        // without locks instead; a writer that changes the main file meanwhile is caught by CheckUnlockedRead.
        (long, DateTime)? stamp = null;
        if (options.ReadOnly && wal)
        {
            var info = new FileInfo(full);
            stamp = (info.Length, info.LastWriteTimeUtc);
            if (File.Exists(full + "-wal"))
            {
                stamp = null;
            }
        }

        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = stamp is null ? full : ImmutableUri(full),
            Mode = options.ReadOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            // The ledger keeps its one connection open; pooling would only keep files open after Dispose.
            Pooling = false,
            DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds),
        };
        var connection = new SqliteConnection(builder.ToString());
        var db = new LedgerDatabase(connection) { Path = full, ReadOnly = options.ReadOnly, _unlockedStamp = stamp };
        try
        {
            connection.Open();

            // A busy handler before anything can hit a lock: SQLite's own (busy_timeout), then the 1 ms one in its place.
            db.Execute($"PRAGMA busy_timeout = {(long)options.BusyTimeout.TotalMilliseconds}");
            db.InstallBusyHandler(options.BusyTimeout);
            db._busyTimeout = options.BusyTimeout;
            var (version, tables) = db.SchemaState();
            OpenDiagnosis.CheckSchema(version, tables, options.ReadOnly, full);
            db.Execute("PRAGMA temp_store = MEMORY");
            if (!options.ReadOnly)
            {
                db._queue = WriteQueue.Open(full, options.BusyTimeout);
                db.Execute("PRAGMA journal_mode = WAL");
                db.Execute(options.Synchronous == SynchronousMode.Full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
                Migrator.Migrate(db);
            }

            return db;
        }
        catch (SqliteException ex)
        {
            db.Dispose();
            throw OpenDiagnosis.Explain(ex, full, options.ReadOnly);
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    /// <summary>
    /// After a read of a file opened without locks: fails when the main file changed since it was opened (another
    /// process opened it, wrote and checkpointed), because the read may then have mixed pages of two states.
    /// </summary>
    /// <exception cref="IOException">The file changed; the read's result must not be used.</exception>
    public void CheckUnlockedRead()
    {
        if (_unlockedStamp is not { } stamp)
        {
            return;
        }

        var info = new FileInfo(Path);
        if (!info.Exists || info.Length != stamp.Length || info.LastWriteTimeUtc != stamp.Written)
        {
            throw new IOException($"The ledger {Path} was written by another process while it was being read without locks (it had no -wal file when opened): run the command again.");
        }
    }

    /// <summary>Creates the ledger's missing folders, or says which folder cannot be created and why.</summary>
    private static void CreateFolder(string full)
    {
        var folder = System.IO.Path.GetDirectoryName(full);
        if (string.IsNullOrEmpty(folder) || Directory.Exists(folder))
        {
            if (!File.Exists(full) && !string.IsNullOrEmpty(folder))
            {
                OpenDiagnosis.CheckCreatable(folder, full);
            }

            return;
        }

        OpenDiagnosis.CheckCreatable(folder, full);
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new LedgerOpenException(LedgerOpenFailure.NotWritable, full, $"Cannot open the ledger {full}: the folder {folder} cannot be created ({ex.Message}).", ex);
        }
    }

    // SQLite URI filename: '%', '?' and '#' would be read as escapes, the query and the fragment.
    private static string ImmutableUri(string full) =>
        "file:" + full.Replace("%", "%25", StringComparison.Ordinal).Replace("?", "%3f", StringComparison.Ordinal).Replace("#", "%23", StringComparison.Ordinal) + "?immutable=1";

    // The schema version and the table names in one statement, so one read snapshot: read apart, another connection's
    // first migration could commit in between (version 0, tables present), and a new file opened by several processes at
    // once looked like another application's database to the one that read late.
    private (int Version, List<string> Tables) SchemaState()
    {
        var tables = new List<string>();
        using var command = _connection.CreateCommand();
        command.CommandText = """
            SELECT v.user_version, m.name
            FROM pragma_user_version AS v
            LEFT JOIN sqlite_master AS m ON m.type = 'table' AND m.name NOT LIKE 'sqlite~_%' ESCAPE '~'
            """;
        using var reader = command.ExecuteReader();
        var version = 0;
        while (reader.Read())
        {
            version = reader.GetInt32(0);
            if (!reader.IsDBNull(1))
            {
                tables.Add(reader.GetString(1));
            }
        }

        return (version, tables);
    }

    /// <summary>
    /// Replaces SQLite's default busy handler (sleeps of 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, then 100 ms) with
    /// one that retries every millisecond until the timeout: a writer waiting for another process's write lock then
    /// gets it within about a millisecond of its release, instead of sleeping through many other commits once its
    /// sleeps have grown. Keeps the default handler when the native library is not e_sqlite3 or lacks the function.
    /// </summary>
    private void InstallBusyHandler(TimeSpan timeout)
    {
        if (SQLitePCL.raw.GetNativeLibraryName() != "e_sqlite3")
        {
            return;
        }

        long since = 0;
        _busyCallback = (_, count) =>
        {
            var now = Stopwatch.GetTimestamp();
            if (count == 0)
            {
                since = _askedAt != 0 ? _askedAt : now;
            }

            if (Stopwatch.GetElapsedTime(since, now) >= timeout)
            {
                return 0;
            }

            Thread.Sleep(1);
            return 1;
        };

        try
        {
            if (NativeMethods.sqlite3_busy_handler(_connection.Handle!, _busyCallback, IntPtr.Zero) != 0)
            {
                _busyCallback = null;
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            _busyCallback = null;
        }
    }

    /// <summary>A prepared command for constant SQL text, reused across calls (parameters keep their last values).</summary>
    internal SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = _connection.CreateCommand();
            command.CommandText = sql;
            _commands[sql] = command;
        }

        return command;
    }

    /// <inheritdoc />
    public bool IsPostgres => false;

    /// <inheritdoc />
    /// <remarks>A busy file keeps its own handling (the tools and CLI name it); SQLite has no connection to lose.</remarks>
    public Exception? Unavailable(Exception ex) => null;

    /// <inheritdoc />
    DbCommand ISqlSession.Command(string sql) => Command(sql);

    /// <inheritdoc />
    /// <remarks>A statement on SQLite is a call into the library, not a round trip: it runs now.</remarks>
    public void Defer(DbCommand command) => command.ExecuteNonQuery();

    /// <inheritdoc />
    DbCommand ISqlSession.Later(string sql) => Command(sql);

    /// <summary>
    /// What <c>PRAGMA integrity_check</c> finds (at most 100 findings; empty when sound). It reads every page, so it
    /// finds damage to indexes and tables that the journal scan never touches.
    /// </summary>
    internal List<string> IntegrityProblems()
    {
        var found = new List<string>();
        try
        {
            using var reader = Command("PRAGMA integrity_check").ExecuteReader();
            while (reader.Read())
            {
                // One row may hold several findings, one a line, under a "*** in database main ***" heading.
                found.AddRange(reader.GetString(0).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Where(line => !line.StartsWith("***", StringComparison.Ordinal)));
            }
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SQLitePCL.raw.SQLITE_CORRUPT)
        {
            // Damage bad enough to stop the check itself.
            found.Add("the check could not finish: " + SQLitePCL.raw.sqlite3_errstr(ex.SqliteErrorCode).utf8_to_string());
        }

        return found is ["ok"] ? [] : found;
    }

    internal void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Takes the write lock: first a turn in the cross-process queue, then SQLite's lock.</summary>
    public void BeginWrite()
    {
        if (ReadOnly)
        {
            throw new InvalidOperationException($"The ledger {Path} was opened read-only: it cannot be written.");
        }

        WriteNumber++;
        var asked = Stopwatch.GetTimestamp();
        _askedAt = asked;
        _queue?.Enter();
        try
        {
            // One busy timeout for the whole wait: what the queue took is not given again to SQLite's handler, nor to
            // Microsoft.Data.Sqlite's own retries of a busy statement (whole seconds, so at most one more).
            var left = _busyTimeout - Stopwatch.GetElapsedTime(asked);
            if (left <= TimeSpan.Zero && _busyTimeout > TimeSpan.Zero)
            {
                throw new SqliteException("database is locked", SQLitePCL.raw.SQLITE_BUSY);
            }

            var begin = Command("BEGIN IMMEDIATE");
            begin.CommandTimeout = Math.Max(1, (int)Math.Ceiling(left.TotalSeconds));
            begin.ExecuteNonQuery();
        }
        catch
        {
            _queue?.Exit();
            throw;
        }
        finally
        {
            _askedAt = 0;
        }

        _lockedAt = Stopwatch.GetTimestamp();
        LockWaits.Record((long)Stopwatch.GetElapsedTime(asked, _lockedAt).TotalMicroseconds);
        InTransaction = true;
    }

    public void BeginRead()
    {
        Command("BEGIN DEFERRED").ExecuteNonQuery();
        InTransaction = true;
    }

    public void Commit()
    {
        if (_lockedAt != 0)
        {
            Command("COMMIT").ExecuteNonQuery();
        }
        else
        {
            EndRead();
        }

        InTransaction = false;
        if (_lockedAt != 0)
        {
            Commits++;
            CommittedWrite = WriteNumber;
            _committedVersion = DataVersion();
        }

        Unlocked();
    }

    public void Rollback()
    {
        try
        {
            Undos++;
            if (InTransaction)
            {
                InTransaction = false;
                // Nothing to undo when SQLite has already rolled the transaction back itself.
                if (!Autocommit())
                {
                    Command("ROLLBACK").ExecuteNonQuery();
                }
            }
        }
        finally
        {
            Unlocked();
        }
    }

    /// <summary>
    /// Ends a read transaction. A read has nothing to keep, and after a damaged page (which verify reports and goes
    /// past) SQLite may have ended the transaction itself or refuse its COMMIT with the same error: then it is rolled
    /// back, so the connection is left with no transaction either way. A write's COMMIT is never treated so.
    /// </summary>
    private void EndRead()
    {
        if (Autocommit())
        {
            return;
        }

        try
        {
            Command("COMMIT").ExecuteNonQuery();
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SQLitePCL.raw.SQLITE_CORRUPT)
        {
            if (!Autocommit())
            {
                Command("ROLLBACK").ExecuteNonQuery();
            }
        }
    }

    // True when no transaction is open on the connection.
    private bool Autocommit() => SQLitePCL.raw.sqlite3_get_autocommit(_connection.Handle) != 0;

    /// <summary>The write lock is released: leaves the queue and records how long the lock was held.</summary>
    private void Unlocked()
    {
        _queue?.Exit();
        if (_lockedAt != 0)
        {
            LockHolds.Record((long)Stopwatch.GetElapsedTime(_lockedAt).TotalMicroseconds);
            _lockedAt = 0;
        }
    }

    /// <summary>Online backup into a new file, a few pages per step so progress can be shown and writers are not starved.</summary>
    public void BackupTo(string path, int pagesPerStep, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        var folder = System.IO.Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        using var destination = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadWriteCreate }.ToString());
        destination.Open();
        var backup = SQLitePCL.raw.sqlite3_backup_init(destination.Handle, "main", _connection.Handle, "main");
        if (backup is null || backup.IsInvalid)
        {
            throw new InvalidOperationException("SQLite could not start the backup.");
        }

        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var rc = SQLitePCL.raw.sqlite3_backup_step(backup, pagesPerStep);
                var total = SQLitePCL.raw.sqlite3_backup_pagecount(backup);
                progress?.Report(new WorkProgress(total - SQLitePCL.raw.sqlite3_backup_remaining(backup), total));
                if (rc == SQLitePCL.raw.SQLITE_DONE)
                {
                    break;
                }

                if (rc is not (SQLitePCL.raw.SQLITE_OK or SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED))
                {
                    throw new InvalidOperationException($"SQLite backup step failed with code {rc}.");
                }
            }
        }
        finally
        {
            SQLitePCL.raw.sqlite3_backup_finish(backup);
        }
    }

    public void SetSavepoint() => Command("SAVEPOINT op").ExecuteNonQuery();

    /// <summary>Opens the savepoint of one write among several in a transaction (group commit).</summary>
    public void BeginItem() => Command("SAVEPOINT item").ExecuteNonQuery();

    /// <summary>Undoes everything the current write of a batch did.</summary>
    public void RollbackItem()
    {
        Undos++;
        Command("ROLLBACK TO item").ExecuteNonQuery();
    }

    /// <summary>Ends the current write of a batch, keeping what is not rolled back.</summary>
    public void ReleaseItem() => Command("RELEASE item").ExecuteNonQuery();

    public void RollbackToSavepoint()
    {
        Undos++;
        Command("ROLLBACK TO op").ExecuteNonQuery();
    }

    /// <summary>
    /// Inside a write transaction: true when no connection but this one has changed the file since this connection's
    /// last write commit. SQLite's data version changes with every commit to the file, by any connection of any
    /// process, and is brought up to date when a transaction starts; false when it cannot be read.
    /// </summary>
    public bool UnchangedSinceLastCommit() => _committedVersion is { } committed && DataVersion() == committed;

    private uint? DataVersion()
    {
        if (!_fileControl)
        {
            return null;
        }

        try
        {
            uint version = 0;
            return NativeMethods.sqlite3_file_control(_connection.Handle!, MainDatabase, NativeMethods.DataVersionOp, ref version) == 0 ? version : null;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            _fileControl = false;
            return null;
        }
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
        _connection.Dispose();
        _queue?.Dispose();
    }

    private static class NativeMethods
    {
        // SQLITE_FCNTL_DATA_VERSION in sqlite3.h.
        internal const int DataVersionOp = 35;

        // The library SQLitePCLRaw's e_sqlite3 provider binds, found the same way.
        [DllImport("e_sqlite3", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int sqlite3_busy_handler(SQLitePCL.sqlite3 db, BusyCallback? callback, IntPtr state);

        [DllImport("e_sqlite3", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int sqlite3_file_control(SQLitePCL.sqlite3 db, byte[] schema, int op, ref uint value);
    }
}
