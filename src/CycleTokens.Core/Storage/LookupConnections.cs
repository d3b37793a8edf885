using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace CycleTokens.Core.Storage;

/// <summary>
/// A few extra read connections to the ledger file for lookups that must not wait for this process's writes: in WAL
/// mode a reader sees the last committed state while a write transaction is open, so a lookup needs neither the
/// engine's gate nor a turn between write batches. Each lookup is one statement, so one consistent snapshot.
/// </summary>
internal sealed class LookupConnections : IDisposable
{
    private readonly string _connectionString;
    private readonly long _busyTimeoutMs;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentBag<SqliteConnection> _idle = [];
    private bool _disposed;

    /// <param name="path">The ledger file (already opened, in WAL mode, by the engine's own connection).</param>
    /// <param name="busyTimeout">How long a lookup waits when the file is locked (a checkpoint restarting the WAL).</param>
    /// <param name="size">The most connections open at once; further lookups wait for one.</param>
    public LookupConnections(string path, TimeSpan busyTimeout, int size)
    {
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = (int)Math.Ceiling(busyTimeout.TotalSeconds),
        }.ToString();
        _busyTimeoutMs = (long)busyTimeout.TotalMilliseconds;
        _slots = new SemaphoreSlim(size, size);
    }

    /// <summary>Runs <paramref name="lookup"/> on an idle connection (opened on first need).</summary>
    public async Task<T> RunAsync<T>(Func<SqliteConnection, T> lookup, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        SqliteConnection? connection = null;
        try
        {
            connection = _idle.TryTake(out var idle) ? idle : Open();
            return lookup(connection);
        }
        catch
        {
            // A connection that failed mid-lookup is not trusted again.
            connection?.Dispose();
            connection = null;
            throw;
        }
        finally
        {
            if (connection is not null)
            {
                if (Volatile.Read(ref _disposed))
                {
                    connection.Dispose();
                }
                else
                {
                    _idle.Add(connection);
                }
            }

            _slots.Release();
        }
    }

    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        while (_idle.TryTake(out var connection))
        {
            connection.Dispose();
        }
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = $"PRAGMA busy_timeout = {_busyTimeoutMs}";
        pragma.ExecuteNonQuery();
        return connection;
    }
}
