using CycleTokens.Core.Budgets;
using CycleTokens.Core.Keys;

namespace CycleTokens.Mcp.Hosting;

/// <summary>Who this server acts for: the bound account, and whether operator tools are on.</summary>
/// <param name="Account">The user account the session bills (chosen by whoever starts the server, never the model).</param>
/// <param name="Operator">True when operator tools and the account argument are available.</param>
internal sealed record ServerMode(string Account, bool Operator)
{
    /// <summary>
    /// The credential the request acts with, under which its debits count against the budget: an API key's id, a JWT's
    /// <c>jwt:&lt;issuer&gt; &lt;subject&gt;</c>, or over stdio <c>stdio:&lt;account&gt;</c> (every stdio server of an
    /// account shares one daily total, so restarting the server does not start the day again).
    /// </summary>
    public string Credential { get; init; } = "stdio:" + Account;

    /// <summary>The credential's spend limits (agent-billing spec §2); none by default.</summary>
    public KeyBudget Budget { get; init; } = KeyBudget.None;

    /// <summary>The credential and its limits, as the engine takes them with a debit.</summary>
    public Spender Spender => new(Credential, Budget);
}
