using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using CycleTokens.Mcp.Json;

namespace CycleTokens.Mcp.Cli;

/// <summary>
/// Options every operator command takes, and the typed arguments and options, each with a parser whose failure names
/// the argument and the kind of value expected (System.CommandLine's own names .NET types).
/// </summary>
internal static class CliOptions
{
    public static readonly Option<bool> Json = new("--json") { Description = "Machine output: one JSON document on stdout (errors too: {\"error\", \"exit_code\"}).", Recursive = true };

    public static readonly Option<string?> IdempotencyKey = new("--idempotency-key") { Description = "Makes a retry of this command safe: the same key and arguments apply once." };

    private static readonly string[] Tiers = ["FREE", "PRO", "ENTERPRISE"];

    public static Option<string?> Text(string name, string description) => new(name) { Description = description };

    /// <summary>An optional token count, e.g. <c>--min-amount</c>.</summary>
    public static Option<long?> Tokens(string name, string description) =>
        new(name) { Description = description, CustomParser = r => Whole(r, name, "a whole number of tokens", long.MaxValue) };

    /// <summary>An optional page size, e.g. <c>--limit</c>.</summary>
    public static Option<int?> PageSize(string name, string description) =>
        new(name) { Description = description, CustomParser = r => (int?)Whole(r, name, "a whole number", int.MaxValue) };

    /// <summary>A required token count argument, e.g. the <c>amount</c> of a grant.</summary>
    public static Argument<long> TokensArg(string name, string description) =>
        new(name) { Description = description, CustomParser = r => Whole(r, name, "a whole number of tokens", long.MaxValue) ?? 0 };

    /// <summary>A tier name, in any case (<c>pro</c> is PRO).</summary>
    public static Argument<string> TierArg(string name, string description) => new(name)
    {
        Description = description,
        HelpName = string.Join('|', Tiers),
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : string.Empty;
            var tier = text.ToUpperInvariant();
            if (Tiers.Contains(tier))
            {
                return tier;
            }

            r.AddError($"{name} must be one of {string.Join(", ", Tiers)} (got '{Wire.Shown(text)}')");
            return text;
        },
    };

    public static Argument<string> Arg(string name, string description) => new(name) { Description = description };

    // Range rules are the engine's (with the same messages as the MCP tools); here only "is it a whole number".
    private static long? Whole(ArgumentResult result, string name, string kind, long max)
    {
        if (result.Tokens.Count == 0)
        {
            return null;
        }

        var text = result.Tokens[^1].Value;
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= -max - 1 && value <= max)
        {
            return value;
        }

        result.AddError($"{name} must be {kind} (got '{Wire.Shown(text)}')");
        return null;
    }
}
