using System.Text.Json;
using CycleTokens.Mcp.Hosting;
using CycleTokens.Mcp.Json;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tools;

/// <summary>
/// The tools visible in this server's mode. In agent mode operator tools do not exist at all (not listed, not
/// callable) and no tool takes an account; in operator mode agent tools gain an optional <c>account</c>.
/// </summary>
internal sealed class ToolRegistry
{
    private const string AccountText = "Optional user account to act for (operator mode; default: the bound account), 1-64 characters of A-Z a-z 0-9 . _ : @ -.";

    private readonly Dictionary<string, (ToolDefinition Definition, IReadOnlyList<ParameterSpec> Parameters)> _byName;

    public ToolRegistry(ServerMode mode)
        : this(mode?.Operator ?? throw new ArgumentNullException(nameof(mode)))
    {
    }

    public ToolRegistry(bool operatorTools)
    {
        var definitions = operatorTools ? [.. AgentTools.All(), .. OperatorTools.All()] : AgentTools.All();
        _byName = definitions.ToDictionary(
            d => d.Name,
            d => (d, operatorTools && !d.NamesAccount && !d.OperatorOnly ? [ParameterSpec.Text("account", AccountText), .. d.Parameters] : d.Parameters),
            StringComparer.Ordinal);
        Tools = _byName.Values.Select(v => ToProtocol(v.Definition, v.Parameters)).ToList();
    }

    /// <summary>The protocol definitions for tools/list.</summary>
    public IReadOnlyList<Tool> Tools { get; }

    public bool TryGet(string name, out ToolDefinition definition, out IReadOnlyList<ParameterSpec> parameters)
    {
        if (_byName.TryGetValue(name, out var entry))
        {
            (definition, parameters) = entry;
            return true;
        }

        (definition, parameters) = (null!, []);
        return false;
    }

    private static Tool ToProtocol(ToolDefinition d, IReadOnlyList<ParameterSpec> parameters) => new()
    {
        Name = d.Name,
        Title = d.Title,
        Description = d.Description,
        InputSchema = JsonSerializer.SerializeToElement(Schema.Input(parameters), WireJson.Context.JsonObject),
        OutputSchema = JsonSerializer.SerializeToElement(d.Output, WireJson.Context.JsonObject),
        Annotations = new ToolAnnotations
        {
            Title = d.Title,
            ReadOnlyHint = d.Hints.ReadOnly,
            DestructiveHint = d.Hints.Destructive,
            IdempotentHint = d.Hints.Idempotent,
            OpenWorldHint = false,
        },
    };
}
