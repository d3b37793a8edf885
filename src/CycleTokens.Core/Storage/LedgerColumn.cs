namespace CycleTokens.Core.Storage;

/// <summary>One column of a ledger table: its name and the kind of value it holds.</summary>
/// <param name="Name">The column's name, the same on every backend.</param>
/// <param name="Kind">What it holds.</param>
internal sealed record LedgerColumn(string Name, ColumnKind Kind);
