using System.Globalization;

namespace CycleTokens.Core.Tests.Support;

/// <summary>
/// Every table of a ledger (a SQLite file or a <c>postgresql://</c> URI) as its database's catalogue lists them, with
/// every row as one line of text, sorted: two ledgers hold the same rows exactly when their dumps are equal.
/// </summary>
/// <remarks>Tables come from the catalogue, not from the list the copy uses, so a table the copy forgot still shows up here.</remarks>
internal static class LedgerDump
{
    public static SortedDictionary<string, List<string>> Of(string location)
    {
        var tables = TestDb.IsPostgres(location)
            ? RawRows.Query(location, "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename <> 'schema_version'")
            : RawRows.Query(location, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'");
        var dump = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var table in tables.Select(t => (string)t[0]!))
        {
            dump[table] = RawRows.Query(location, $"SELECT * FROM {table}")
                .Select(row => string.Join(" | ", row.Select(Show)))
                .Order(StringComparer.Ordinal)
                .ToList();
        }

        return dump;
    }

    /// <summary>Asserts that both ledgers hold the same rows, naming the first table that differs.</summary>
    public static void AssertEqual(SortedDictionary<string, List<string>> expected, SortedDictionary<string, List<string>> actual)
    {
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (table, rows) in expected)
        {
            Assert.True(rows.SequenceEqual(actual[table]), $"table {table} differs:\nexpected\n  {string.Join("\n  ", rows)}\nactual\n  {string.Join("\n  ", actual[table])}");
        }
    }

    // Typed, so that a number stored as text (or a fraction) would not pass for the same value.
    private static string Show(object? value) => value switch
    {
        null => "null",
        byte[] bytes => "x'" + Convert.ToHexString(bytes) + "'",
        string text => "'" + text + "'",
        long number => number.ToString(CultureInfo.InvariantCulture),
        _ => value.GetType().Name + ":" + Convert.ToString(value, CultureInfo.InvariantCulture),
    };
}
