using Npgsql;

namespace CycleTokens.Core.Tests.Support;

/// <summary>
/// A fresh, uniquely named database on the test server (<see cref="PostgresServer"/>), dropped on dispose: tests run
/// in parallel and never see each other's tables.
/// </summary>
internal sealed class TestPostgresDatabase : IAsyncDisposable
{
    private readonly string _server;

    private TestPostgresDatabase(string server, string name)
    {
        _server = server;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    public string Name { get; }

    /// <summary>The server's connection string with this database.</summary>
    public string ConnectionString { get; }

    /// <summary>The same database as a <c>postgresql://</c> URI, as an operator gives it to <c>--db</c>.</summary>
    public string Uri
    {
        get
        {
            var b = new NpgsqlConnectionStringBuilder(ConnectionString);
            var user = System.Uri.EscapeDataString(b.Username ?? "postgres");
            var password = string.IsNullOrEmpty(b.Password) ? string.Empty : ":" + System.Uri.EscapeDataString(b.Password);
            var host = b.Host ?? "localhost";
            // A socket folder is not a host name: libpq's form passes it as a parameter.
            return host.StartsWith('/')
                ? $"postgresql://{user}{password}@/{Name}?host={System.Uri.EscapeDataString(host)}&port={b.Port}"
                : $"postgresql://{user}{password}@{host}:{b.Port}/{Name}";
        }
    }

    /// <exception cref="InvalidOperationException">No server is configured (only reached in CI: elsewhere the test is skipped).</exception>
    public static async Task<TestPostgresDatabase> CreateAsync(CancellationToken cancellationToken)
    {
        var server = PostgresServer.ConnectionString ?? throw new InvalidOperationException(PostgresServer.MissingMessage);
        var database = new TestPostgresDatabase(server, "cycletokens_test_" + Guid.NewGuid().ToString("N"));
        await using var admin = await OpenAsync(server, cancellationToken);
        // A database name cannot be a parameter: this one is ours (a GUID), and quoted.
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Name}\"", admin);
        await create.ExecuteNonQueryAsync(cancellationToken);
        return database;
    }

    public Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => OpenAsync(ConnectionString, cancellationToken);

    /// <summary>One statement with positional parameters ($1, $2...); returns the first column of the first row.</summary>
    public async Task<object?> ScalarAsync(string sql, CancellationToken cancellationToken, params object[] args)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, sql, args);
        var result = await command.ExecuteScalarAsync(cancellationToken);
        return result is DBNull ? null : result;
    }

    /// <summary>One statement with positional parameters ($1, $2...); returns the rows affected.</summary>
    public async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params object[] args)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, sql, args);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Every row of a query, each as its column values.</summary>
    public async Task<List<object?[]>> RowsAsync(string sql, CancellationToken cancellationToken, params object[] args)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, sql, args);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<object?[]>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>The names of the tables in the database's public schema, sorted.</summary>
    public async Task<List<string>> TablesAsync(CancellationToken cancellationToken) =>
        (await RowsAsync("SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = 'public' ORDER BY tablename", cancellationToken))
            .Select(r => (string)r[0]!)
            .ToList();

    public async ValueTask DisposeAsync()
    {
        // Pooled idle connections keep their sessions open; FORCE ends whatever is still connected.
        NpgsqlConnection.ClearPool(new NpgsqlConnection(ConnectionString));
        await using var admin = await OpenAsync(_server, CancellationToken.None);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, object[] args)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var arg in args)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = arg });
        }

        return command;
    }
}
