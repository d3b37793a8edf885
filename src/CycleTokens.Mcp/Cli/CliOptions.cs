using System.CommandLine;

namespace CycleTokens.Mcp.Cli;

/// <summary>Options every operator command takes.</summary>
internal static class CliOptions
{
    public static readonly Option<bool> Json = new("--json") { Description = "Machine output: one JSON document on stdout.", Recursive = true };

    public static readonly Option<string?> IdempotencyKey = new("--idempotency-key") { Description = "Makes a retry of this command safe: the same key and arguments apply once." };

    public static Option<string?> Text(string name, string description) => new(name) { Description = description };

    public static Option<long?> Number(string name, string description) => new(name) { Description = description };

    public static Argument<string> Arg(string name, string description) => new(name) { Description = description };
}
