using System.Buffers;
using System.Text;
using System.Text.Json;

namespace CycleTokens.Core.Keys;

/// <summary>
/// How key administration appears in the journal: one row per create, revoke or update, of type <c>admin</c>, amount 0,
/// with no postings, on the key's account (its balance_after is the balance, unchanged), <c>ref</c> the key id and
/// <c>details</c> what was set. The chain covers these rows like any other.
/// </summary>
/// <remarks>
/// They are not token movements, so an account's history, CSV and JSON exports, usage and journal position skip type
/// <c>admin</c>: the contract's kinds and types stay as they were, and a key change does not look like a balance change.
/// </remarks>
internal static class KeyJournal
{
    internal const string Create = "key_create";
    internal const string Revoke = "key_revoke";
    internal const string Update = "key_update";

    /// <summary>The type of every administrative row; the reads of token history leave this type out.</summary>
    internal const string AdminType = "admin";

    /// <summary>The key's attributes as set at creation (never its secret or hash).</summary>
    internal static string CreateDetails(ApiKey key) => Write(w =>
    {
        w.WriteString("role", key.Role.ToWireName());
        WriteText(w, "name", key.Name);
        WriteMs(w, "expires_ms", key.ExpiresAt);
        WriteLong(w, "max_per_call", key.Budget.MaxPerCall);
        WriteLong(w, "max_per_day", key.Budget.MaxPerDay);
        WriteLong(w, "confirm_above", key.Budget.ConfirmAbove);
    });

    /// <summary>The fields an update changed, with their new values (null: removed).</summary>
    internal static string UpdateDetails(ApiKey before, ApiKey after) => Write(w =>
    {
        if (before.Name != after.Name)
        {
            WriteText(w, "name", after.Name);
        }

        if (before.ExpiresAt != after.ExpiresAt)
        {
            WriteMs(w, "expires_ms", after.ExpiresAt);
        }

        if (before.Budget.MaxPerCall != after.Budget.MaxPerCall)
        {
            WriteLong(w, "max_per_call", after.Budget.MaxPerCall);
        }

        if (before.Budget.MaxPerDay != after.Budget.MaxPerDay)
        {
            WriteLong(w, "max_per_day", after.Budget.MaxPerDay);
        }

        if (before.Budget.ConfirmAbove != after.Budget.ConfirmAbove)
        {
            WriteLong(w, "confirm_above", after.Budget.ConfirmAbove);
        }
    });

    private static string Write(Action<Utf8JsonWriter> fields)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            fields(w);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteText(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteMs(Utf8JsonWriter w, string name, DateTimeOffset? value) => WriteLong(w, name, value?.ToUnixTimeMilliseconds());

    private static void WriteLong(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
