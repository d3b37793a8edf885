using System.Text.Json.Nodes;

namespace CycleTokens.Mcp.Tools;

/// <summary>One tool of the contract: its schema, annotations and thin handler.</summary>
/// <param name="Name">The exact tool name.</param>
/// <param name="Title">A short human title.</param>
/// <param name="Description">What it does, for the model.</param>
/// <param name="Parameters">Its arguments (the account argument is added in operator mode).</param>
/// <param name="Output">The JSON schema of its structured result.</param>
/// <param name="Hints">Its annotations.</param>
/// <param name="Handler">Validated arguments in, structured result out.</param>
internal sealed record ToolDefinition(
    string Name,
    string Title,
    string Description,
    IReadOnlyList<ParameterSpec> Parameters,
    JsonObject Output,
    ToolHints Hints,
    Func<ToolContext, Task<JsonObject>> Handler)
{
    /// <summary>Only listed and callable in operator mode.</summary>
    public bool OperatorOnly { get; init; }

    /// <summary>Operator tools that name their account themselves (so no optional account is added).</summary>
    public bool NamesAccount => Parameters.Any(p => p.Name == "account");
}
