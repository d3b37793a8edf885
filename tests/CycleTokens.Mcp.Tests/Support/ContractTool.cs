namespace CycleTokens.Mcp.Tests.Support;

/// <summary>One tool row of the contract.</summary>
internal sealed record ContractTool(string Name, IReadOnlyList<string> Required, IReadOnlyList<string> Optional, IReadOnlyList<string> ResultFields, bool ReadOnly)
{
    public override string ToString() => Name;
}
