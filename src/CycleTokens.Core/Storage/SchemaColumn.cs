namespace CycleTokens.Core.Storage;

/// <summary>One column of one table as a database's catalogue describes it.</summary>
/// <param name="Table">The table (or view) it belongs to.</param>
/// <param name="Column">The column's name.</param>
/// <param name="Type">Its declared type in lower case, as the backend names it (<c>integer</c>, <c>bigint</c>, <c>text</c>, <c>blob</c>, <c>bytea</c>...).</param>
internal sealed record SchemaColumn(string Table, string Column, string Type);
