using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;

namespace CycleTokens.Core.Storage;

/// <summary>
/// The audit chain: hash = SHA-256(previous hash ‖ canonical encoding of the row and its postings).
/// The encoding is a JSON array with a fixed field order, so it is unambiguous and stable.
/// </summary>
internal static class ChainHash
{
    internal static readonly byte[] Genesis = new byte[32];

    internal static byte[] Compute(ReadOnlySpan<byte> previous, TxRow row, IReadOnlyList<Posting> postings)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        buffer.Write(previous);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            w.WriteNumberValue(row.Seq);
            w.WriteStringValue(row.Id);
            w.WriteNumberValue(row.CreatedMs);
            w.WriteStringValue(row.Kind);
            w.WriteStringValue(row.Type);
            w.WriteStringValue(row.Account);
            WriteNullable(w, row.Operation);
            w.WriteNumberValue(row.Amount);
            WriteNullable(w, row.Counterparty);
            w.WriteNumberValue(row.BalanceAfter);
            w.WriteNumberValue(row.MonthKey);
            WriteNullable(w, row.Metadata);
            WriteNullable(w, row.IdempotencyKey);
            WriteNullable(w, row.Ref);
            WriteNullable(w, row.Details);
            w.WriteStartArray();
            foreach (var p in postings)
            {
                w.WriteStartArray();
                w.WriteStringValue(p.Account);
                w.WriteStringValue(p.Bucket);
                w.WriteNumberValue(p.Amount);
                w.WriteEndArray();
            }

            w.WriteEndArray();
            w.WriteEndArray();
        }

        return SHA256.HashData(buffer.WrittenSpan);
    }

    private static void WriteNullable(Utf8JsonWriter w, string? value)
    {
        if (value is null)
        {
            w.WriteNullValue();
        }
        else
        {
            w.WriteStringValue(value);
        }
    }
}
