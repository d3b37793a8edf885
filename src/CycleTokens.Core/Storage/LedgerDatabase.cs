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
