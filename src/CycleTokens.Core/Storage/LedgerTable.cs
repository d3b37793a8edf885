namespace CycleTokens.Core.Storage;

/// <summary>One table of the ledger's schema as a copy sees it: its columns in schema order and its primary key.</summary>
/// <param name="Name">The table's name, the same on every backend.</param>
/// <param name="Key">The primary key's columns, in key order (rows are read in this order).</param>
/// <param name="Columns">Every column, in the order of the CREATE TABLE.</param>
internal sealed record LedgerTable(string Name, IReadOnlyList<string> Key, IReadOnlyList<LedgerColumn> Columns);
