using CycleTokens.Core;
using CycleTokens.Core.Accounts;
using CycleTokens.Core.Budgets;

namespace CycleTokens.Mcp.Tools;

/// <summary>What a tool handler gets: the ledger, the account it acts for, its checked arguments.</summary>
/// <param name="Ledger">The engine.</param>
/// <param name="Account">The bound account, or in operator mode the account named by the call.</param>
/// <param name="Args">The arguments, already checked against the tool's parameters.</param>
/// <param name="Spender">
/// The request's credential and budget, passed with every debit so the engine enforces it; with the amount the human
/// confirmed when <see cref="Confirmation"/> asked and re-ran the handler.
/// </param>
/// <param name="CancellationToken">Cancelled when the client cancels the request.</param>
/// <param name="Missing">
/// What reads do when <paramref name="Account"/> does not exist: the bound account is created on first use; another
/// account an operator names must exist (a read never opens an account).
/// </param>
internal sealed record ToolContext(TokenLedger Ledger, string Account, ToolArguments Args, Spender Spender, CancellationToken CancellationToken, MissingUser Missing = MissingUser.Create);
