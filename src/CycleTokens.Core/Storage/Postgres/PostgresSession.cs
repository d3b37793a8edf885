using System.Data.Common;
using System.Diagnostics;
using System.Text.RegularExpressions;
using CycleTokens.Core.Storage.Sql;
using Npgsql;

namespace CycleTokens.Core.Storage.Postgres;

/// <summary>
/// The engine's one connection to a PostgreSQL ledger, with prepared commands and the ledger's write lock.
/// Not thread-safe: <see cref="TokenLedger"/> serialises access.
/// </summary>
/// <remarks>
/// A write transaction takes one transaction-scoped advisory lock (<see cref="PostgresMigrator.LockKey"/>, the same one
/// migrations take) before anything is read: one writer at a time across every host, exactly as SQLite's
/// <c>BEGIN IMMEDIATE</c>, so the engine's rules and the hash chain's order hold unchanged. Writers that queue up in
/// one process are committed together (group commit), so the lock is taken once per batch, not per call. Reads take a
/// repeatable-read snapshot and no lock.
/// <para>
/// Failures of the connection (a restarted server, a dropped socket, the lock not granted within the busy timeout)
/// surface as <see cref="LedgerUnavailableException"/> through <see cref="Unavailable"/>, and the session recovers by
/// itself: a connection found broken is opened again before the next transaction or statement, and a transaction whose
/// first statement fails because the server dropped the connection while it was idle starts once more on a new one
/// (nothing of it has happened yet). A failed start never leaves a transaction open behind it. When the connection is
/// lost during a write's COMMIT, the outcome is unknown (the server may have committed): <see cref="Unavailable"/> says
/// so, and a retry with the same idempotency key settles it.
/// </para>
/// </remarks>
internal sealed partial class PostgresSession : ISqlSession
{
    private readonly string _connectionString;
    private readonly Dictionary<string, NpgsqlCommand> _commands = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NpgsqlCommand> _deferrable = new(StringComparer.Ordinal);

    // Statements of the open write transaction not sent yet (Defer), in order. A savepoint is set by a statement of its
    // own, which sends them first, so whatever is pending at a rollback to it came after it.
    private readonly List<NpgsqlBatchCommand> _pending = [];
    private readonly TimeSpan _lockTimeout;
    private NpgsqlConnection _connection;
    private long _lockedAt;
    private bool _inTransaction;
    private Exception? _uncertainCommit;

    private PostgresSession(string connectionString, TimeSpan lockTimeout, string location, bool readOnly)
    {
        _connectionString = connectionString;
        _lockTimeout = lockTimeout;
        Location = location;
        ReadOnly = readOnly;
        _connection = new NpgsqlConnection(connectionString);
    }

    /// <summary>Where the ledger is, without the password.</summary>
    internal string Location { get; }

    /// <summary>Opened for reading only.</summary>
    internal bool ReadOnly { get; }

    /// <inheritdoc />
    public bool IsPostgres => true;

    /// <inheritdoc />
    public long Commits { get; private set; }

    /// <inheritdoc />
    public long WriteNumber { get; private set; }

    /// <inheritdoc />
    public long Undos { get; private set; }

    /// <inheritdoc />
    public long CommittedWrite { get; private set; }

    /// <inheritdoc />
    public LatencyHistogram LockWaits { get; } = new();

    /// <inheritdoc />
    public LatencyHistogram LockHolds { get; } = new();

    /// <summary>Connects, and (unless read-only) migrates the database to this build's schema.</summary>
    /// <exception cref="LedgerOpenException">Unreachable, not a ledger, or a newer schema.</exception>
    internal static PostgresSession Open(LedgerOptions options)
    {
        var location = PostgresLocation.Redacted(options.DatabasePath);
        var builder = PostgresLocation.Parse(options.DatabasePath);
        // Prepared statements for the engine's constant SQL; one physical connection, reopened after a failure.
        builder.MaxAutoPrepare = 128;
        builder.AutoPrepareMinUsages = 2;
        builder.Pooling = false;
        builder.ApplicationName ??= "cycletokens";
        var session = new PostgresSession(builder.ConnectionString, options.BusyTimeout, location, options.ReadOnly);
        try
        {
            session.Connect();
            var version = options.ReadOnly
                ? PostgresMigrator.CheckAsync(session._connection, CancellationToken.None).GetAwaiter().GetResult()
                : PostgresMigrator.MigrateAsync(session._connection, CancellationToken.None).GetAwaiter().GetResult();
            _ = version;
            return session;
        }
        catch (NpgsqlException ex)
        {
            session.Dispose();
            throw new LedgerOpenException(LedgerOpenFailure.Unreachable, location, $"Cannot open the ledger {location}: {Describe(ex)}.", ex);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public DbCommand Command(string sql)
    {
        if (!_inTransaction)
        {
            // A statement of its own (a state read): on a connection that works.
            EnsureConnected();
        }

        Flush();
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = new NpgsqlCommand(Adapt(sql), _connection);
            _commands[sql] = command;
        }

        return command;
    }

    /// <inheritdoc />
    /// <remarks>
    /// A write's statements that answer nothing are sent together, just before the next one that must answer or the
    /// COMMIT: a charge makes four round trips fewer, all of them while it holds the ledger's write lock.
    /// </remarks>
    public DbCommand Later(string sql)
    {
        if (!_deferrable.TryGetValue(sql, out var command))
        {
            // Only holds the SQL and the bound values: Defer copies them into the batch.
            command = new NpgsqlCommand(Adapt(sql));
            _deferrable[sql] = command;
        }

        return command;
    }

    /// <inheritdoc />
    public void Defer(DbCommand command)
    {
        var batched = new NpgsqlBatchCommand(command.CommandText);
        foreach (NpgsqlParameter parameter in command.Parameters)
        {
            batched.Parameters.Add(new NpgsqlParameter(parameter.ParameterName, parameter.Value));
        }

        _pending.Add(batched);
    }

    /// <summary>Sends what was deferred, in one round trip (nothing when nothing was); the list is emptied first.</summary>
    private void Flush()
    {
        if (_pending.Count == 0)
        {
            return;
        }

        using var batch = new NpgsqlBatch(_connection);
        foreach (var command in _pending)
        {
            batch.BatchCommands.Add(command);
        }

        _pending.Clear();
        batch.ExecuteNonQuery();
    }

    /// <summary>Undoes to <paramref name="savepoint"/>: what is still deferred came after it and is dropped.</summary>
    private void RollbackTo(string savepoint)
    {
        Undos++;
        _pending.Clear();
        Command($"ROLLBACK TO SAVEPOINT {savepoint}").ExecuteNonQuery();
    }

    /// <inheritdoc />
    public void BeginWrite()
    {
        if (ReadOnly)
        {
            throw new InvalidOperationException($"The ledger {Location} was opened read-only: it cannot be written.");
        }

        WriteNumber++;
        var asked = Stopwatch.GetTimestamp();
        Begin("BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock($key)", PostgresMigrator.LockKey);
        _lockedAt = Stopwatch.GetTimestamp();
        LockWaits.Record((long)Stopwatch.GetElapsedTime(asked, _lockedAt).TotalMicroseconds);
    }

    /// <inheritdoc />
    public void BeginRead() => Begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", null);

    /// <inheritdoc />
    public void Commit()
    {
        var write = _lockedAt != 0;
        try
        {
            // What was deferred goes first, on its own: a connection lost then has committed nothing, which the caller
            // is told ("nothing was written"); only the COMMIT's own lost answer leaves the outcome unknown.
            Flush();
            Commit(write);
        }
        finally
        {
            Unlocked();
        }
    }

    private void Commit(bool write)
    {
        try
        {
            Command("COMMIT").ExecuteNonQuery();
            _inTransaction = false;
            if (write)
            {
                Commits++;
                CommittedWrite = WriteNumber;
            }
        }
        catch (NpgsqlException ex) when (write && ex is not PostgresException)
        {
            // No answer from the server: the COMMIT may have reached it and taken effect, or not.
            _uncertainCommit = ex;
            throw;
        }
    }

    /// <inheritdoc />
    public void Rollback()
    {
        try
        {
            Undos++;
            _pending.Clear();
            if (_inTransaction)
            {
                _inTransaction = false;
                if (_connection.FullState == System.Data.ConnectionState.Open)
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

    /// <inheritdoc />
    public void SetSavepoint() => Command("SAVEPOINT op").ExecuteNonQuery();

    /// <inheritdoc />
    public void RollbackToSavepoint() => RollbackTo("op");

    /// <inheritdoc />
    public void BeginItem() => Command("SAVEPOINT item").ExecuteNonQuery();

    /// <inheritdoc />
    public void RollbackItem() => RollbackTo("item");

    /// <inheritdoc />
    public void ReleaseItem() => _pending.Add(new NpgsqlBatchCommand("RELEASE SAVEPOINT item"));

    /// <inheritdoc />
    public void CheckUnlockedRead()
    {
        // Every PostgreSQL read runs in a snapshot.
    }

    /// <inheritdoc />
    /// <remarks>Other hosts may have written: the journal's tail is read again at the start of each write transaction.</remarks>
    public bool UnchangedSinceLastCommit() => false;

    /// <inheritdoc />
    /// <remarks>The connection lost during a write's COMMIT gives <see cref="LedgerUnavailableException.OutcomeUnknown"/>.</remarks>
    public Exception? Unavailable(Exception ex)
    {
        if (IsInternalFault(ex))
        {
            // Npgsql's own state cannot be trusted after that: the next call opens a new connection.
            Drop();
        }

        return !IsUnavailable(ex) ? null
            : ReferenceEquals(ex, _uncertainCommit) ? LedgerUnavailableException.Uncertain(ex)
            : new LedgerUnavailableException(ex);
    }

    /// <summary>
    /// True for failures that say nothing about the call and everything about the server or the network: a lost or
    /// refused connection, a server shutting down or starting, the write lock not granted within the busy timeout.
    /// </summary>
    /// <remarks>
    /// Npgsql reports an error the server sent as a <see cref="PostgresException"/>, and anything that kept the
    /// exchange from completing — a socket that failed or closed (whatever the inner exception: an I/O error, the
    /// end of the stream, a stream disposed as the connection broke), a timeout, a refused connection — as a plain
    /// <see cref="NpgsqlException"/>: the latter are all the connection's.
    /// </remarks>
    internal static bool IsUnavailable(Exception ex) => ex switch
    {
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal) // connection exception
            || pg.SqlState is "57P01" or "57P02" or "57P03" // admin/crash shutdown, cannot connect now
            || pg.SqlState is "55P03" // lock_not_available: the busy timeout passed
            || pg.SqlState is "53300", // too many connections
        NpgsqlException => true,
        InvalidOperationException when ex.Message.Contains("connection", StringComparison.OrdinalIgnoreCase) => true,
        _ => IsInternalFault(ex),
    };

    /// <summary>
    /// A <see cref="NullReferenceException"/> or <see cref="ObjectDisposedException"/> thrown inside Npgsql (the first
    /// frame outside the runtime's is Npgsql's): seen as its
    /// connection broke under a read (a server shutting down: <c>NpgsqlConnector.ReadMessageLong</c>, once in CI).
    /// It is the connection's failure, not the call's.
    /// </summary>
    internal static bool IsInternalFault(Exception ex) =>
        ex is NullReferenceException or ObjectDisposedException
        && ex.StackTrace?.Split('\n').Select(line => line.Trim()).FirstOrDefault(line => !line.StartsWith("at System.", StringComparison.Ordinal)) is { } thrower
        && thrower.StartsWith("at Npgsql.", StringComparison.Ordinal);

    /// <inheritdoc />
    public void Dispose()
    {
        DropCommands();
        foreach (var command in _deferrable.Values)
        {
            command.Dispose();
        }

        _connection.Dispose();
    }

    private void Connect()
    {
        _connection.Open();
        using var settings = new NpgsqlCommand($"SET lock_timeout = {(long)_lockTimeout.TotalMilliseconds}", _connection);
        settings.ExecuteNonQuery();
    }

    /// <summary>
    /// Starts a transaction with <paramref name="sql"/>. A connection the server dropped while it was idle (a restart)
    /// is only found out by using it: then the start is tried once more on a new connection, which is safe because
    /// nothing of the transaction has happened. Any other failure ends whatever the statement began before it is
    /// rethrown (a lock not granted in time comes after the BEGIN), so the connection is left ready for the next call.
    /// </summary>
    private void Begin(string sql, long? key)
    {
        EnsureConnected();
        _uncertainCommit = null;
        try
        {
            Execute(sql, key);
        }
        catch (Exception ex) when (IsUnavailable(ex) && _connection.FullState != System.Data.ConnectionState.Open)
        {
            EnsureConnected();
            Execute(sql, key);
        }
    }

    private void Execute(string sql, long? key)
    {
        _inTransaction = true;
        try
        {
            var command = Command(sql);
            if (key is { } value)
            {
                command.With("$key", value);
            }

            command.ExecuteNonQuery();
        }
        catch (Exception ex)
        {
            _inTransaction = false;
            if (IsInternalFault(ex))
            {
                Drop();
            }
            else
            {
                EndFailedStart();
            }

            throw;
        }
    }

    /// <summary>Closes a connection Npgsql failed inside, so that <see cref="EnsureConnected"/> opens a new one.</summary>
    private void Drop()
    {
        _inTransaction = false;
        _pending.Clear();
        try
        {
            _connection.Close();
        }
#pragma warning disable CA1031 // Already broken: closing is only to make the next call reconnect.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private void EndFailedStart()
    {
        if (_connection.FullState != System.Data.ConnectionState.Open)
        {
            return;
        }

        try
        {
            using var rollback = new NpgsqlCommand("ROLLBACK", _connection);
            rollback.ExecuteNonQuery();
        }
        catch (NpgsqlException)
        {
            // The connection broke too: the next call opens a new one. The first failure is the one to report.
        }
    }

    /// <summary>Opens the connection again when the last one broke (a restarted server, a dropped socket).</summary>
    private void EnsureConnected()
    {
        if (_connection.FullState == System.Data.ConnectionState.Open)
        {
            return;
        }

        DropCommands();
        _connection.Dispose();
        _connection = new NpgsqlConnection(_connectionString);
        _inTransaction = false;
        _pending.Clear();
        Connect();
    }

    private void DropCommands()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
    }

    private void Unlocked()
    {
        if (_lockedAt != 0)
        {
            LockHolds.Record((long)Stopwatch.GetElapsedTime(_lockedAt).TotalMicroseconds);
            _lockedAt = 0;
        }
    }

    // What an operator needs from a connection failure, without the connection string.
    private static string Describe(NpgsqlException ex) => ex switch
    {
        PostgresException pg => $"the server refused it ({pg.SqlState}: {pg.MessageText})",
        _ => "the server cannot be reached (" + (ex.InnerException?.Message ?? ex.Message) + ")",
    };

    /// <summary>
    /// The stores' SQL in PostgreSQL's dialect: <c>$name</c> parameters become Npgsql's <c>@name</c>, and SQLite's index
    /// hints (<c>INDEXED BY</c>) go, as PostgreSQL's planner uses its statistics.
    /// </summary>
    internal static string Adapt(string sql) => Parameter().Replace(IndexHint().Replace(sql, string.Empty), "@$1");

    [GeneratedRegex(@" INDEXED BY [A-Za-z_][A-Za-z0-9_]*")]
    private static partial Regex IndexHint();

    // $name parameters as the SQL stores write them; Npgsql's named placeholders are @name.
    [GeneratedRegex(@"\$([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex Parameter();
}
