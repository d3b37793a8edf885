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
    /// A JSON number that is a whole number: 5, and also 5.0 or 5e0 (JSON Schema's integer), but not 5.5. Read through
    /// decimal, which is exact for every such text, never through floating point.
    /// </summary>
    public static bool TryWhole(JsonElement value, out long number)
    {
        number = 0;
        if (value.ValueKind != JsonValueKind.Number)
        {
            return false;
        }

        if (value.TryGetInt64(out number))
        {
            return true;
        }

        if (value.TryGetDecimal(out var exact) && exact == decimal.Truncate(exact) && exact is >= long.MinValue and <= long.MaxValue)
        {
            number = (long)exact;
            return true;
        }

        return false;
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

    /// <summary>How a wrong value is shown: its JSON text, shortened, for scalars; its kind for containers.</summary>
    private static string Got(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => Json.Wire.Shown(value.GetRawText(), 40),
        _ => Json.Wire.Shown(value.GetRawText(), 40),
    };

}
