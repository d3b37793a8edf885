using Microsoft.Data.Sqlite;

namespace CycleTokens.Core.Storage;

/// <summary>
/// One open connection to the ledger file with its pragmas set and a cache of prepared commands.
/// Not thread-safe: <see cref="TokenLedger"/> serialises access.
/// </summary>
internal sealed class LedgerDatabase : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    private LedgerDatabase(SqliteConnection connection) => _connection = connection;

    internal bool InTransaction { get; private set; }

    internal static LedgerDatabase Open(LedgerOptions options)
    {
        var full = Path.GetFullPath(options.DatabasePath);
        var folder = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            // The ledger keeps its one connection open; pooling would only keep files open after Dispose.
            Pooling = false,
            DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds),
        };
        var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        var db = new LedgerDatabase(connection);
        try
        {
            // SQLite's own busy handler waits in short steps (1-100 ms); set it before anything can hit a lock.
            db.Execute($"PRAGMA busy_timeout = {(long)options.BusyTimeout.TotalMilliseconds}");
            db.Execute("PRAGMA journal_mode = WAL");
            db.Execute(options.Synchronous == SynchronousMode.Full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
            db.Execute("PRAGMA temp_store = MEMORY");
            Migrator.Migrate(db);
            return db;
        }
        catch
        {
            db.Dispose();
            throw;
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

    internal void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    internal void BeginWrite()
    {
        Command("BEGIN IMMEDIATE").ExecuteNonQuery();
        InTransaction = true;
    }

    internal void BeginRead()
    {
        Command("BEGIN DEFERRED").ExecuteNonQuery();
        InTransaction = true;
    }

    internal void Commit()
    {
        Command("COMMIT").ExecuteNonQuery();
        InTransaction = false;
    }

    internal void Rollback()
    {
        if (InTransaction)
        {
            InTransaction = false;
            Command("ROLLBACK").ExecuteNonQuery();
        }
    }

    /// <summary>Online backup into a new file, a few pages per step so progress can be shown and writers are not starved.</summary>
    internal void BackupTo(string path, int pagesPerStep, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(path);
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

    internal void SetSavepoint() => Command("SAVEPOINT op").ExecuteNonQuery();

    internal void RollbackToSavepoint() => Command("ROLLBACK TO op").ExecuteNonQuery();

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
        _connection.Dispose();
    }
}
