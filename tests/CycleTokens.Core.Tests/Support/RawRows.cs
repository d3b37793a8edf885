namespace CycleTokens.Core.Tests.Support;

/// <summary>
/// Direct SQL returning text or whole rows (pragmas such as <c>journal_mode</c>, <c>EXPLAIN QUERY PLAN</c>),
/// on its own connection behind the engine's back, on either backend (<see cref="TestDb"/>). <see cref="RawDb"/> covers numbers and writes.
/// </summary>
internal static class RawRows
{
    /// <summary>The first column of the first row as text, or null.</summary>
    public static string? Text(string path, string sql, params (string Name, object? Value)[] args)
    {
        var rows = Query(path, sql, args);
        return rows.Count == 0 ? null : rows[0][0]?.ToString();
    }

    /// <summary>Every row as its columns joined by '/', the rows joined by ';' (a comparable picture of a table on either backend).</summary>
    public static string Joined(string path, string sql, params (string Name, object? Value)[] args) =>
        string.Join(';', Query(path, sql, args).Select(row => string.Join('/', row.Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)))));

    /// <summary>Every row, each as its column values (DBNull becomes null).</summary>
    public static List<object?[]> Query(string path, string sql, params (string Name, object? Value)[] args)
    {
        using var connection = TestDb.Open(path);
        using var command = TestDb.Command(connection, sql, [.. args.Select(a => (a.Name, a.Value ?? DBNull.Value))]);

        var rows = new List<object?[]>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
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
}
