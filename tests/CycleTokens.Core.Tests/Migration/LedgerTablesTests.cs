using CycleTokens.Core.Storage;
using CycleTokens.Core.Storage.Postgres;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Migration;

/// <summary>
/// The tables <c>migrate-store</c> copies are exactly those of a freshly migrated ledger on each backend, column for
/// column: a migration that adds a table or column fails here until the copy handles it.
/// </summary>
[Trait("Backend", "Sqlite")]
public sealed class LedgerTablesTests
{
    [Fact]
    public void CopiedTables_AreTheSqliteSchema_ColumnForColumn()
    {
        using var folder = new TempFolder();
        var path = folder.File("ledger.db");
        TokenLedger.Open(new LedgerOptions { DatabasePath = path }).Dispose();

        var schema = RawRows.Query(path, """
            SELECT m.name, p.name, p.type FROM sqlite_master m JOIN pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite%' ORDER BY m.name, p.cid
            """);

        Assert.Equal(Copied(), schema.Select(c => $"{c[0]}.{c[1]} {Kind((string)c[2]!)}").Order(StringComparer.Ordinal));
    }

    [PostgresFact]
    public async Task CopiedTables_AreThePostgresSchema_ColumnForColumn()
    {
        await using var pg = await TestPostgresDatabase.CreateAsync(CancellationToken.None);
        await using (var connection = await pg.OpenAsync(CancellationToken.None))
        {
            await PostgresMigrator.MigrateAsync(connection, CancellationToken.None);
        }

        var schema = await pg.RowsAsync(
            """
            SELECT table_name, column_name, data_type FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name <> 'schema_version' ORDER BY table_name, ordinal_position
            """,
            CancellationToken.None);

        Assert.Equal(Copied(), schema.Select(c => $"{c[0]}.{c[1]} {Kind((string)c[2]!)}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void CopiedTables_KeepEachTablesColumnsInSchemaOrder_AndKeyOnTheirOwnColumns()
    {
        Assert.Equal(LedgerTables.All.Count, LedgerTables.All.Select(t => t.Name).Distinct().Count());
        Assert.All(LedgerTables.All, t => Assert.All(t.Key, k => Assert.Contains(t.Columns, c => c.Name == k)));
        // Postings name their transaction's seq: transactions must be in first.
        Assert.True(IndexOf("transactions") < IndexOf("postings"));
    }

    private static int IndexOf(string table) => LedgerTables.All.ToList().FindIndex(t => t.Name == table);

    private static IEnumerable<string> Copied() =>
        LedgerTables.All.SelectMany(t => t.Columns.Select(c => $"{t.Name}.{c.Name} {c.Kind}")).Order(StringComparer.Ordinal);

    private static string Kind(string type) => type.ToUpperInvariant() switch
    {
        "INTEGER" or "BIGINT" => nameof(ColumnKind.Integer),
        "TEXT" => nameof(ColumnKind.Text),
        "BLOB" or "BYTEA" => nameof(ColumnKind.Blob),
        _ => type,
    };
}
