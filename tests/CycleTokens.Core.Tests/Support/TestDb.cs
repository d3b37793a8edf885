using System.Data.Common;
using System.Text.RegularExpressions;
using CycleTokens.Core.Storage.Postgres;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CycleTokens.Core.Tests.Support;

/// <summary>
/// A raw connection to a ledger behind the engine's back, on either backend: a SQLite file path or a
/// <c>postgresql://</c> URI. SQL is written once with <c>$name</c> parameters and portable syntax.
/// </summary>
internal static partial class TestDb
{
    public static bool IsPostgres(string location) => PostgresLocation.IsPostgres(location);

    public static DbConnection Open(string location)
    {
        if (IsPostgres(location))
        {
            var builder = PostgresLocation.Parse(location);
            builder.Pooling = false;
            var pg = new NpgsqlConnection(builder.ConnectionString);
            pg.Open();
            return pg;
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = location, Pooling = false }.ToString());
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 10000";
        pragma.ExecuteNonQuery();
        return connection;
    }

    /// <summary>A command with <c>$name</c> parameters bound, in the open transaction if any.</summary>
    public static DbCommand Command(DbConnection connection, string sql, params (string Name, object Value)[] args)
    {
        var command = connection.CreateCommand();
        var postgres = connection is NpgsqlConnection;
        command.CommandText = postgres ? Parameter().Replace(sql, "@$1") : sql;
        foreach (var (name, value) in args)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = postgres ? name.TrimStart('$') : name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    [GeneratedRegex(@"\$([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex Parameter();
}
