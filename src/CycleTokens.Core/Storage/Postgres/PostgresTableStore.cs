using NpgsqlTypes;

namespace CycleTokens.Core.Storage.Postgres;

/// <summary>
/// Whole tables on PostgreSQL: as <see cref="Sql.SqlTableStore"/>, but rows go in with binary <c>COPY</c>, one
/// stream per table, which PostgreSQL takes several times faster than multi-row <c>INSERT</c>s.
/// </summary>
internal sealed class PostgresTableStore(PostgresSession session, ITableStore sql) : ITableStore
{
    // Progress is reported every this many rows of a stream.
    private const int ReportEvery = 1000;

    /// <inheritdoc />
    public IReadOnlyList<SchemaColumn> Schema() => sql.Schema();

    /// <inheritdoc />
    public long Count(LedgerTable table) => sql.Count(table);

    /// <inheritdoc />
    public IEnumerable<object?[]> Rows(LedgerTable table) => sql.Rows(table);

    /// <inheritdoc />
    public void Insert(LedgerTable table, IEnumerable<object?[]> rows, Action<int> inserted)
    {
        var columns = table.Columns;
        // Not completed (an exception on the way), the importer's disposal cancels the COPY and the transaction fails.
        using var importer = session.BeginBinaryImport($"COPY {table.Name} ({string.Join(", ", columns.Select(c => c.Name))}) FROM STDIN (FORMAT BINARY)");
        var pending = 0;
        foreach (var row in rows)
        {
            importer.StartRow();
            for (var i = 0; i < columns.Count; i++)
            {
                switch (row[i])
                {
                    case null:
                        importer.WriteNull();
                        break;
                    case long number:
                        importer.Write(number, NpgsqlDbType.Bigint);
                        break;
                    case string text:
                        importer.Write(text, NpgsqlDbType.Text);
                        break;
                    case byte[] bytes:
                        importer.Write(bytes, NpgsqlDbType.Bytea);
                        break;
                    default:
                        throw new ArgumentException($"A value of {table.Name}.{columns[i].Name} is a {row[i]!.GetType().Name}, not a long, string or byte array.", nameof(rows));
                }
            }

            if (++pending == ReportEvery)
            {
                inserted(pending);
                pending = 0;
            }
        }

        importer.Complete();
        inserted(pending);
    }

    /// <inheritdoc />
    public void FinishCopy() => sql.FinishCopy();
}
