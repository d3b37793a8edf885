using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using CycleTokens.Core.Keys;
using CycleTokens.Mcp.Json;

namespace CycleTokens.Mcp.Cli.Commands;

/// <summary>
/// The options of <c>keys create</c> and <c>keys update</c>. Like <see cref="CliOptions"/>, each parser's failure names
/// the option and the kind of value; range rules (days 1-3650, limits 0 and up) are the engine's.
/// </summary>
internal static class KeyOptions
{
    public const string None = "none";

    /// <summary><c>--role agent|operator</c>, in any case, as tiers are.</summary>
    public static Option<string?> Role() => new("--role")
    {
        Description = "agent (the default: the agent tools, bound to the account) or operator (the operator tools; any case).",
        HelpName = "agent|operator",
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : string.Empty;
            if (text.Equals("agent", StringComparison.OrdinalIgnoreCase) || text.Equals("operator", StringComparison.OrdinalIgnoreCase))
            {
                return text.ToLowerInvariant();
            }

            r.AddError($"--role must be agent or operator (got '{Wire.Shown(text)}')");
            return text;
        },
    };

    /// <summary>An optional number of days, e.g. <c>--expires-in-days</c> of <c>keys create</c>.</summary>
    public static Option<int?> Days(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "days",
        CustomParser = r => Whole(r, name, "a whole number of days", int.MaxValue, allowNone: false) is { IsSet: true } change ? (int?)change.Value : null,
    };

    /// <summary>An optional token limit of <c>keys create</c>, e.g. <c>--max-per-call</c>.</summary>
    public static Option<long?> Limit(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "tokens",
        CustomParser = r => Whole(r, name, "a whole number of tokens", long.MaxValue, allowNone: false) is { IsSet: true } change ? change.Value : null,
    };

    /// <summary><c>keys update</c>'s days: a number sets, <c>none</c> removes (never expires), absent leaves.</summary>
    public static Option<Change<int?>> DaysChange(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "days|none",
        CustomParser = r => Whole(r, name, "a whole number of days", int.MaxValue, allowNone: true) is { IsSet: true } change
            ? Change<int?>.To(change.Value is { } v ? (int)v : null)
            : default,
    };

    /// <summary><c>keys update</c>'s limits: a number sets, <c>none</c> removes the limit, absent leaves it.</summary>
    public static Option<Change<long?>> LimitChange(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "tokens|none",
        CustomParser = r => Whole(r, name, "a whole number of tokens", long.MaxValue, allowNone: true),
    };

    // A set change on success (its value null for "none"), an unset one after reporting the error.
    private static Change<long?> Whole(ArgumentResult result, string name, string kind, long max, bool allowNone)
    {
        if (result.Tokens.Count == 0)
        {
            return default;
        }

        var text = result.Tokens[^1].Value;
        if (allowNone && text.Equals(None, StringComparison.OrdinalIgnoreCase))
        {
            return Change<long?>.To(null);
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= -max - 1 && value <= max)
        {
            return Change<long?>.To(value);
        }

        result.AddError($"{name} must be {kind}{(allowNone ? " or none" : string.Empty)} (got '{Wire.Shown(text)}')");
        return default;
    }
}
