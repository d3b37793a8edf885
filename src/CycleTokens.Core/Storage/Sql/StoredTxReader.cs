using System.Data.Common;

namespace CycleTokens.Core.Storage.Sql;

/// <summary>A journal row read from its 16 leading columns (seq … details, hash), as verification and receipt checks select them.</summary>
internal static class StoredTxReader
{
    /// <summary>The row at the reader's position, with no postings yet.</summary>
    internal static StoredTx Read(DbDataReader reader) =>
        new(
            new TxRow(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetInt64(2),
                reader.GetString(3),
                reader.GetString(4),
                reader.GetString(5),
                reader.GetStringOrNull(6),
                reader.GetInt64(7),
                reader.GetStringOrNull(8),
                reader.GetInt64(9),
                reader.GetInt64(10),
                reader.GetStringOrNull(11),
                reader.GetStringOrNull(12),
                reader.GetStringOrNull(13),
                reader.GetStringOrNull(14)),
            (byte[])reader.GetValue(15),
            []);
}
