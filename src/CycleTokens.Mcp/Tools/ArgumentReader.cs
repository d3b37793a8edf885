using System.Globalization;
using System.Text.Json;
using CycleTokens.Core;

namespace CycleTokens.Mcp.Tools;

/// <summary>
/// Checks raw tool arguments against the tool's parameters before anything is bound: unknown names, missing required
/// ones, wrong JSON types, fractional or out-of-range integers and unparsable dates each get a message that names the
/// field and the rule. JSON null means absent.
/// </summary>
internal static partial class ArgumentReader
{
    public static ToolArguments Read(string tool, IReadOnlyList<ParameterSpec> parameters, IReadOnlyDictionary<string, JsonElement>? raw)
    {
        var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (raw is not null)
        {
            foreach (var (name, value) in raw)
            {
                var spec = parameters.FirstOrDefault(p => p.Name == name)
                    ?? throw Invalid(name, $"{Json.Wire.Shown(name)} is not an argument of {tool}");
                if (value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
                {
                    continue;
                }

                Check(spec, value);
                values[name] = value;
            }
        }

        foreach (var spec in parameters.Where(p => p.Required && !values.ContainsKey(p.Name)))
        {
            throw Invalid(spec.Name, $"{spec.Name} is required");
        }

        return new ToolArguments(values);
    }

    private static void Check(ParameterSpec spec, JsonElement value)
    {
        switch (spec.Kind)
        {
            case ParamKind.Integer:
                if (!TryWhole(value, out var number) || number < spec.Min || number > spec.Max)
                {
                    throw Invalid(spec.Name, $"{spec.Name} must be a whole number from {spec.Min} to {spec.Max} (got {Got(value)})");
                }

                break;
            case ParamKind.Object:
                if (value.ValueKind != JsonValueKind.Object)
                {
                    throw Invalid(spec.Name, $"{spec.Name} must be a JSON object (got {Got(value)})");
                }

                break;
            case ParamKind.DateTime:
                if (value.ValueKind != JsonValueKind.String || !TryDate(value.GetString()!, out _))
                {
                    throw Invalid(spec.Name, $"{spec.Name} must be an ISO 8601 date-time such as 2026-03-01T00:00:00Z (got {Got(value)})");
                }

                break;
            default:
                if (value.ValueKind != JsonValueKind.String)
                {
                    throw Invalid(spec.Name, $"{spec.Name} must be a string (got {Got(value)})");
                }

                if (spec.Values is { } allowed && !allowed.Contains(value.GetString()))
                {
                    throw Invalid(spec.Name, $"{spec.Name} must be one of {string.Join(", ", allowed)} (got {Got(value)})");
                }

                break;
        }
    }

    /// <summary>
    /// A JSON number that is a whole number: 5, and also 5.0 or 5e0 (JSON Schema's integer), but not 5.5. Decided on
    /// the number's text, digit by digit, never through floating point or decimal (which rounds beyond 28 digits and
    /// would take 0.99999999999999999999999999999999 for 1).
    /// </summary>
    public static bool TryWhole(JsonElement value, out long number)
    {
        number = 0;
        if (value.ValueKind != JsonValueKind.Number)
        {
            return false;
        }

        return value.TryGetInt64(out number) || TryWholeText(value.GetRawText(), out number);
    }

    /// <summary>A JSON number text (-?int(.frac)?(e[+-]?exp)?) that is exactly a whole number within long's range.</summary>
    private static bool TryWholeText(string text, out long number)
    {
        number = 0;
        var negative = text.StartsWith('-');
        var body = negative ? text.AsSpan(1) : text.AsSpan();
        var e = body.IndexOfAny('e', 'E');
        var mantissa = e < 0 ? body : body[..e];
        var dot = mantissa.IndexOf('.');
        var digits = dot < 0 ? mantissa.ToString() : string.Concat(mantissa[..dot], mantissa[(dot + 1)..]);
        var point = (dot < 0 ? mantissa.Length : dot) + (e < 0 ? 0 : Exponent(body[(e + 1)..]));
        var first = digits.AsSpan().IndexOfAnyExcept('0');
        if (first < 0)
        {
            return true; // zero, however written
        }

        if (digits.AsSpan().LastIndexOfAnyExcept('0') >= point || point - first > 19)
        {
            return false; // a nonzero digit after the point, or more integer digits than a long holds
        }

        var integer = point <= digits.Length ? digits[first..(int)point] : digits[first..] + new string('0', (int)(point - digits.Length));
        return long.TryParse((negative ? "-" : string.Empty) + integer, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number);
    }

    /// <summary>An exponent's value, saturated far beyond any that could still give a long.</summary>
    private static long Exponent(ReadOnlySpan<char> text)
    {
        var sign = text.Length > 0 && text[0] == '-' ? -1 : 1;
        long value = 0;
        foreach (var c in text.TrimStart("+-"))
        {
            value = Math.Min((value * 10) + (c - '0'), 1_000_000_000);
        }

        return sign * value;
    }

    /// <summary>An ISO 8601 date or date-time (offset or Z optional; UTC assumed), e.g. 2026-03-01 or 2026-03-01T10:00:00Z.</summary>
    public static bool TryDate(string text, out DateTimeOffset value)
    {
        value = default;
        return IsoDate().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|z|[+-]\d{2}:?\d{2})?)?$")]
    private static partial System.Text.RegularExpressions.Regex IsoDate();

    private static LedgerException Invalid(string field, string message) => new(LedgerErrorCode.InvalidArgument, message, field);

    /// <summary>How a wrong value is shown: its JSON text, shortened, for numbers and literals; its kind for containers.</summary>
    private static string Got(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => Quoted(value.GetString()!),
        // A number cut short must not read as another number: 10.000…0001 shown as 10.000…0 would look whole.
        _ => value.GetRawText() is { Length: > 40 } raw ? raw[..40] + "..." : value.GetRawText(),
    };

    /// <summary>
    /// A string as the engine shows one (quoted, at most 40 characters, control and surrogate characters as \uXXXX) —
    /// not its raw JSON, which the client library may have re-escaped ("+" as \u002B).
    /// </summary>
    private static string Quoted(string text)
    {
        var cut = text.Length > 40 ? text[..40] + "..." : text;
        return "\"" + string.Concat(cut.Select(c => char.IsControl(c) || char.IsSurrogate(c) ? "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture) : c.ToString())) + "\"";
    }
}
