using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// The test oracle for string arguments, written from the contract (product spec and docs), not from the server's
/// code: whether a value is accepted, and what an error refusing it must mention. A string argument the oracle does
/// not know fails the generator, so a new tool argument cannot escape the hostile-input tests unnoticed.
/// </summary>
internal static partial class FieldRules
{
    /// <summary>Ids the server hands out (escrows, purchases, transactions) and the word its "not found" message uses.</summary>
    private static readonly Dictionary<string, string> ServerIds = new(StringComparer.Ordinal)
    {
        ["escrow_id"] = "Escrow",
        ["reservation_id"] = "Reservation",
        ["purchase_id"] = "Purchase",
        ["transaction_id"] = "Transaction",
    };

    private static readonly Dictionary<string, int> FreeText = new(StringComparer.Ordinal)
    {
        ["job_id"] = 200,
        ["idempotency_key"] = 255,
        ["reason"] = 500,
    };

    /// <summary>True when the contract accepts <paramref name="value"/> for the string argument <paramref name="field"/>.</summary>
    /// <param name="enumValues">The argument's allowed values when it is an enumeration.</param>
    public static bool Accepts(string tool, string field, string value, string boundAccount, IReadOnlyList<string>? enumValues)
    {
        if (enumValues is not null)
        {
            return enumValues.Contains(value, StringComparer.Ordinal);
        }

        return field switch
        {
            "operation" or "source" => IsOperationName(value),
            "creator_id" or "fab_id" => IsAccountId(value),
            "account" => IsUserAccount(value),
            "category" => true, // a prefix filter: any text, matching nothing at worst
            "confirm" => value == "clear " + boundAccount,
            "cursor" => tool == "list_accounts" ? DecodesAsCursor(value, out _) : DecodesAsCursor(value, out var seq) && IsPositiveLong(seq),
            "after" or "before" or "since" or "until" => IsDate(value),
            _ when ServerIds.ContainsKey(field) => false, // no hostile text is an id this server handed out
            _ when FreeText.TryGetValue(field, out var max) => IsText(value, max),
            _ => throw new InvalidOperationException($"FieldRules has no rule for {tool}.{field}; add one from the contract."),
        };
    }

    /// <summary>What a refusal of <paramref name="value"/> must mention: the field, or for a well-formed unknown id the "not found" sentence.</summary>
    public static IReadOnlyList<string> Mentions(string field, string value) =>
        ServerIds.TryGetValue(field, out var entity) && value.Length is > 0 and <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
            ? [$"{entity} {value} not found"]
            : [field];

    public static bool IsOperationName(string value) =>
        value.Length is >= 1 and <= 100 && value.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '.' or '-');

    public static bool IsAccountId(string value) =>
        value.Length is >= 1 and <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '@' or '-');

    public static bool IsUserAccount(string value) =>
        IsAccountId(value) && value != "platform" && !new[] { "creator:", "fab:", "system:", "escrow:", "hold:" }.Any(p => value.StartsWith(p, StringComparison.Ordinal));

    /// <summary>1 to <paramref name="max"/> UTF-16 characters, no control characters, valid Unicode.</summary>
    public static bool IsText(string value, int max) =>
        value.Length >= 1 && value.Length <= max && !value.Any(char.IsControl) && IsValidUnicode(value);

    public static bool IsValidUnicode(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool DecodesAsCursor(string value, out string decoded)
    {
        decoded = string.Empty;
        if (value.Length is < 1 or > 200)
        {
            return false;
        }

        try
        {
            decoded = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(value));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool IsPositiveLong(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0;

    private static bool IsDate(string value) =>
        IsoDate().IsMatch(value)
        && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out _);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|z|[+-]\d{2}:?\d{2})?)?$")]
    private static partial Regex IsoDate();
}
