namespace CycleTokens.Mcp.Tools;

/// <summary>The two tool sets, built once: an agent's (no operator tool exists) and an operator's.</summary>
internal sealed class ToolCatalog
{
    private readonly ToolRegistry _agent = new(operatorTools: false);
    private readonly ToolRegistry _operator = new(operatorTools: true);

    /// <summary>The tools a request in <paramref name="mode"/> sees and may call.</summary>
    public ToolRegistry For(Hosting.ServerMode mode) => mode.Operator ? _operator : _agent;
}
