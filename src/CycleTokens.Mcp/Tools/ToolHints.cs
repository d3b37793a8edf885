namespace CycleTokens.Mcp.Tools;

/// <summary>The MCP annotations of a tool. Every tool is closed-world: it touches only the ledger.</summary>
/// <param name="ReadOnly">Changes nothing.</param>
/// <param name="Destructive">May destroy value (pays out an escrow, expires allowance, clears an account).</param>
/// <param name="Idempotent">Repeating the same call has no further effect.</param>
internal sealed record ToolHints(bool ReadOnly, bool Destructive, bool Idempotent)
{
    public static ToolHints Read { get; } = new(true, false, true);

    public static ToolHints Write { get; } = new(false, false, false);
}
