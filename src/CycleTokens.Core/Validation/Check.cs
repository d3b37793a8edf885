using System.Text.Json;

namespace CycleTokens.Core.Validation;

/// <summary>Argument rules shared by every entry point. Each failure names the field, the rule and the value.</summary>
internal static class Check
{
    internal const long MaxAmount = 1_000_000_000_000;
    internal const int MaxJsonBytes = 4096;
    internal const int MaxJsonDepth = 16;

    internal static long Amount(long value, string field = "amount", long min = 1, long max = MaxAmount)
    {
        if (value < min || value > max)
        {
            throw LedgerException.Invalid(field, $"must be a whole number from {min} to {max}", value.ToString());
        }

        return value;
    }

    internal static string OperationName(string? value, string field = "operation")
    {
        if (string.IsNullOrEmpty(value) || value.Length > 100 || !value.All(IsOperationChar))
        {
            throw LedgerException.Invalid(field, "must be 1-100 characters of a-z, 0-9, '_', '.', '-'", Shown(value));
        }

        return value;
    }

    internal static string AccountId(string? value, string field)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 64 || !value.All(IsAccountChar))
        {
            throw LedgerException.Invalid(field, "must be 1-64 characters of A-Z, a-z, 0-9, '.', '_', ':', '@', '-'", Shown(value));
        }

        return value;
    }

    /// <summary>A user account id: an account id outside the reserved namespaces of payees and system accounts.</summary>
    internal static string UserAccount(string? value, string field = "account")
    {
        AccountId(value, field);
        if (Accounts.AccountNames.IsReserved(value!))
        {
            throw LedgerException.Invalid(field, "must not start with a reserved prefix (creator:, fab:, system:, escrow:, hold:) or be 'platform'", Shown(value));
        }

        return value!;
    }

    internal static string? IdempotencyKey(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Length is 0 or > 255 || value.Any(char.IsControl) || HasUnpairedSurrogate(value))
        {
            throw LedgerException.Invalid("idempotency_key", "must be 1-255 characters of valid Unicode with no control characters", Shown(value));
        }

        return value;
    }

    internal static string Text(string? value, string field, int maxLength)
    {
        if (string.IsNullOrEmpty(value) || value.Length > maxLength || value.Any(char.IsControl) || HasUnpairedSurrogate(value))
        {
            throw LedgerException.Invalid(field, $"must be 1-{maxLength} characters of valid Unicode with no control characters", Shown(value));
        }

        return value;
    }

    /// <summary>Validates an optional JSON object and returns its canonical text, or null when absent.</summary>
    internal static string? JsonObject(JsonElement? value, string field)
    {
        if (value is null || value.Value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return null;
        }

        if (value.Value.ValueKind != JsonValueKind.Object)
        {
            throw LedgerException.Invalid(field, "must be a JSON object", value.Value.ValueKind.ToString().ToLowerInvariant());
        }

        var canonical = Pricing.CanonicalJson.Write(value.Value, field, MaxJsonDepth);
        var bytes = System.Text.Encoding.UTF8.GetByteCount(canonical);
        if (bytes > MaxJsonBytes)
        {
            throw LedgerException.Invalid(field, $"must be at most {MaxJsonBytes} bytes as canonical JSON", $"{bytes} bytes");
        }

        return canonical;
    }

    /// <summary>Shows a caller's value in a message: quoted, shortened, with control characters escaped.</summary>
    internal static string Shown(string? value)
    {
        if (value is null)
        {
            return "nothing";
        }

        var cut = value.Length > 40 ? value[..40] + "..." : value;
        var sb = new System.Text.StringBuilder(cut.Length + 2).Append('"');
        foreach (var c in cut)
        {
            if (char.IsControl(c) || char.IsSurrogate(c))
            {
                sb.Append("\\u").Append(((int)c).ToString("x4"));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.Append('"').ToString();
    }

    /// <summary>True when the text is not valid Unicode (a lone UTF-16 surrogate cannot be stored as UTF-8).</summary>
    internal static bool HasUnpairedSurrogate(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsOperationChar(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '.' or '-';

    private static bool IsAccountChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or ':' or '@' or '-';
}
