namespace CycleTokens.Core.Storage.Sql;

/// <summary>
/// Whole tables through the engine's prepared commands, on either backend: the catalogue, counts, rows in key order and
/// inserts (PostgreSQL's own store replaces the inserts with binary COPY).
/// </summary>
/// <remarks>Table and column names come from <see cref="LedgerTables"/> only, never from a caller: the SQL text is constant per table.</remarks>
internal sealed class SqlTableStore(ISqlSession db) : ITableStore
{
    // Progress is reported every this many rows.
    private const int ReportEvery = 1000;

    // Every table and view but SQLite's own (sqlite_sequence, sqlite_stat1), with its declared column types.
    private const string SqliteSchemaSql = """
        SELECT m.name, p.name, lower(p.type)
          FROM sqlite_master m JOIN pragma_table_info(m.name) p
         WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite~_%' ESCAPE '~'
         ORDER BY m.name, p.cid
        """;

    // The ledger lives in the connection's current schema (see PostgresMigrator); schema_version is the migrator's.
    private const string PostgresSchemaSql = """
        SELECT table_name::text, column_name::text, data_type::text
          FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name <> 'schema_version'
         ORDER BY table_name, ordinal_position
        """;

    // The identity gives max + 1 next (or 1 in an empty journal), as SQLite's rowid does by itself.
    private const string PostgresSequenceSql = """
        SELECT setval(pg_get_serial_sequence('transactions', 'seq'), COALESCE(MAX(seq), 1), MAX(seq) IS NOT NULL) FROM transactions
        """;

    /// <inheritdoc />
    public IReadOnlyList<SchemaColumn> Schema()
    {
        var columns = new List<SchemaColumn>();
        using var reader = db.Command(db.IsPostgres ? PostgresSchemaSql : SqliteSchemaSql).ExecuteReader();
        while (reader.Read())
        {
            columns.Add(new SchemaColumn(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        return columns;
    }

    /// <inheritdoc />
    public long Count(LedgerTable table) => Convert.ToInt64(db.Command($"SELECT COUNT(*) FROM {table.Name}").ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public IEnumerable<object?[]> Rows(LedgerTable table)
    {
        var sql = $"SELECT {string.Join(", ", table.Columns.Select(c => c.Name))} FROM {table.Name} ORDER BY {string.Join(", ", table.Key)}";
        using var reader = db.Command(sql).ExecuteReader();
        while (reader.Read())
        {
            var row = new object?[table.Columns.Count];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            yield return row;
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// One prepared single-row <c>INSERT</c>, executed for each row inside the caller's one transaction. Multi-row
    /// statements were measured slower here: Microsoft.Data.Sqlite binds every parameter by name, and SQLite finds a
    /// name by a linear search, so a statement of n parameters costs n² comparisons (see docs/operations.md).
    /// </remarks>
    public void Insert(LedgerTable table, IEnumerable<object?[]> rows, Action<int> inserted)
    {
        var command = db.Command(InsertSql(table));
        var parameters = command.Parameters;
        if (parameters.Count == 0)
        {
            // Created once and then only given new values: binding by name would search the collection for each.
            for (var i = 0; i < table.Columns.Count; i++)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = db.IsPostgres ? $"v{i}" : $"$v{i}";
                parameters.Add(parameter);
            }
        }

        var pending = 0;
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                parameters[i].Value = row[i] ?? DBNull.Value;
            }

            command.ExecuteNonQuery();
            if (++pending == ReportEvery)
            {
                inserted(pending);
                pending = 0;
            }
        }

        inserted(pending);
    }

    /// <inheritdoc />
    public void FinishCopy()
    {
        if (db.IsPostgres)
        {
            db.Command(PostgresSequenceSql).ExecuteScalar();
        }
    }

    private static string InsertSql(LedgerTable table) =>
        $"INSERT INTO {table.Name} ({string.Join(", ", table.Columns.Select(c => c.Name))}) VALUES ({string.Join(", ", table.Columns.Select((_, i) => $"$v{i}"))})";
}
