using Microsoft.Data.Sqlite;

namespace CycleTokens.Core.Storage.Sqlite;

/// <summary>Binding helpers for reused commands: a parameter is created once and its value replaced after.</summary>
internal static class SqliteCommandExtensions
{
    internal static SqliteCommand With(this SqliteCommand command, string name, object? value)
    {
        var parameters = command.Parameters;
        var index = parameters.IndexOf(name);
        if (index < 0)
        {
            parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        else
        {
            parameters[index].Value = value ?? DBNull.Value;
        }

        return command;
    }

    internal static string? GetStringOrNull(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    internal static long? GetInt64OrNull(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);
}
