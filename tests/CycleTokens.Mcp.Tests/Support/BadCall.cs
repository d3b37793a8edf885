namespace CycleTokens.Mcp.Tests.Support;

/// <summary>What a generated bad call targets, and so what a clean refusal of it looks like.</summary>
internal enum BadCallKind
{
    /// <summary>A listed tool with bad arguments: an isError result whose message mentions one of <see cref="BadCall.Mentions"/>.</summary>
    Tool,

    /// <summary>A tool name this server does not have (in agent mode: also every operator tool): a JSON-RPC error.</summary>
    UnknownTool,

    /// <summary>A resource URI that is not one of the bound account's resources: a JSON-RPC error.</summary>
    Resource,
}

/// <summary>One generated call that must be refused cleanly, leave the ledger untouched and the server up.</summary>
/// <param name="Number">Its position in the generated list (with the seed, enough to replay it).</param>
/// <param name="Category">What is wrong with it, for the failure report.</param>
/// <param name="Kind">What it targets.</param>
/// <param name="Target">The tool name or resource URI.</param>
/// <param name="Arguments">The raw JSON arguments object (tools only).</param>
/// <param name="Mentions">For <see cref="BadCallKind.Tool"/>: the error must contain at least one of these.</param>
internal sealed record BadCall(int Number, string Category, BadCallKind Kind, string Target, string Arguments, IReadOnlyList<string> Mentions)
{
    public override string ToString() =>
        $"#{Number} [{Category}] {HostileStrings.Describe(Target)} {HostileStrings.Describe(Arguments, 240)}";
}
