using System.Text.RegularExpressions;

namespace CycleTokens.Mcp.Cli;

/// <summary>
/// Rewrites System.CommandLine's parse failures that name .NET types (<c>System.Int64</c>,
/// <c>System.Nullable`1[System.Int32]</c>) into the operator's terms. Our own arguments and options have parsers with
/// their own messages (<see cref="CliOptions"/>); this is the net for any that do not.
/// </summary>
internal static partial class ParseMessages
{
    public static string Plain(string message)
    {
        var match = CannotParse().Match(message);
        if (!match.Success)
        {
            // Any other message naming a type still must not show it.
            return TypeName().Replace(message, m => Kind(m.Value));
        }

        var name = match.Groups["name"].Value;
        var what = match.Groups["what"].Value == "option" ? name : "the argument of " + name;
        return $"{what} must be {Kind(match.Groups["type"].Value)} (got '{Json.Wire.Shown(match.Groups["value"].Value)}')";
    }

    private static string Kind(string type) => type switch
    {
        _ when type.Contains("Int", StringComparison.Ordinal) => "a whole number",
        _ when type.Contains("Boolean", StringComparison.Ordinal) => "true or false",
        _ when type.Contains("Decimal", StringComparison.Ordinal) || type.Contains("Double", StringComparison.Ordinal) => "a number",
        _ when type.Contains("Date", StringComparison.Ordinal) => "an ISO 8601 date-time",
        _ => "a valid value",
    };

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for (?<what>option|command) '(?<name>[^']*)' as expected type '(?<type>[^']*)'\.?$", RegexOptions.Singleline)]
    private static partial Regex CannotParse();

    [GeneratedRegex(@"System\.[A-Za-z0-9_.`\[\]]+")]
    private static partial Regex TypeName();
}
