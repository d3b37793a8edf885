namespace CycleTokens.Core.Storage;

/// <summary>The three kinds of value a ledger column holds, whatever each backend calls them.</summary>
internal enum ColumnKind
{
    /// <summary>A 64-bit integer (SQLite INTEGER, PostgreSQL BIGINT): amounts, times, seqs, month keys.</summary>
    Integer,

    /// <summary>Text (TEXT on both).</summary>
    Text,

    /// <summary>Bytes (SQLite BLOB, PostgreSQL BYTEA): chain hashes and secret hashes.</summary>
    Blob,
}
