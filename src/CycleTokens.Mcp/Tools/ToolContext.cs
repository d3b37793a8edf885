using CycleTokens.Core;

namespace CycleTokens.Mcp.Tools;

/// <summary>What a tool handler gets: the ledger, the account it acts for, its checked arguments.</summary>
/// <param name="Ledger">The engine.</param>
/// <param name="Account">The bound account, or in operator mode the account named by the call.</param>
/// <param name="Args">The arguments, already checked against the tool's parameters.</param>
/// <param name="CancellationToken">Cancelled when the client cancels the request.</param>
internal sealed record ToolContext(TokenLedger Ledger, string Account, ToolArguments Args, CancellationToken CancellationToken);
