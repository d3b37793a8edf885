namespace CycleTokens.Core.Storage;

/// <summary>
/// Whole tables, for copying a ledger from one backend to another (<c>migrate-store</c>): the schema as the database's
/// catalogue has it, row counts, every row as stored, and fast inserts into an empty table.
/// </summary>
/// <remarks>
/// Every call runs inside the transaction the caller has open on the backend's connection: a read snapshot for the
/// source, the write transaction for the target. Values are passed as stored, never interpreted: <see cref="long"/>,
/// <see cref="string"/>, <see cref="byte"/> arrays, or null.
/// </remarks>
internal interface ITableStore
{
    /// <summary>The columns of every table and view in the ledger's schema, in table then column order; the backend's own bookkeeping (PostgreSQL's <c>schema_version</c>) left out.</summary>
    IReadOnlyList<SchemaColumn> Schema();

    /// <summary>The number of rows in <paramref name="table"/>.</summary>
    long Count(LedgerTable table);

    /// <summary>Every row of <paramref name="table"/> in primary key order, its values in the order of <see cref="LedgerTable.Columns"/>, streamed.</summary>
    IEnumerable<object?[]> Rows(LedgerTable table);

    /// <summary>Inserts <paramref name="rows"/> into <paramref name="table"/>, streamed; <paramref name="inserted"/> is told every so many rows how many went in since it was last told.</summary>
    void Insert(LedgerTable table, IEnumerable<object?[]> rows, Action<int> inserted);

    /// <summary>After every table has been filled: brings what the database numbers itself past the copied rows (PostgreSQL's <c>transactions.seq</c> identity).</summary>
    void FinishCopy();
}
