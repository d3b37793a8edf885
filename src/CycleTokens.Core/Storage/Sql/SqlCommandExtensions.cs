using System.Data.Common;

namespace CycleTokens.Core.Storage.Sql;

/// <summary>Binding and reading helpers for reused commands on either backend.</summary>
internal static class SqlCommandExtensions
{
    /// <summary>Binds <paramref name="name"/> (as written in the SQL, <c>$name</c>): created once, its value replaced after.</summary>
    internal static DbCommand With(this DbCommand command, string name, object? value)
    {
        // Npgsql names a parameter without the prefix its SQL text (rewritten to @name) uses.
        if (command is Npgsql.NpgsqlCommand)
        {
            name = name[1..];
        }

        var parameters = command.Parameters;
        var index = parameters.IndexOf(name);
        if (index < 0)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            parameters.Add(parameter);
        }
        else
        {
            parameters[index].Value = value ?? DBNull.Value;
        }

        return command;
    }

    /// <summary>Hands a bound command from <see cref="ISqlSession.Later"/> to <see cref="ISqlSession.Defer"/>.</summary>
    internal static void DeferIn(this DbCommand command, ISqlSession db) => db.Defer(command);

    internal static string? GetStringOrNull(this DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    internal static long? GetInt64OrNull(this DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    /// <summary>A month key or other small number stored as a 64-bit integer (PostgreSQL BIGINT reads only as a long).</summary>
    internal static int GetInt32Of(this DbDataReader reader, int ordinal) => checked((int)reader.GetInt64(ordinal));

    /// <summary>A truth value: SQLite gives an integer, PostgreSQL a boolean.</summary>
    internal static bool GetFlag(this DbDataReader reader, int ordinal) => Convert.ToBoolean(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);
}
