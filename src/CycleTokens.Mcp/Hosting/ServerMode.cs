using CycleTokens.Core;
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

    /// <summary>
    /// The request's API key could not be checked because the ledger's database is unavailable, and was let through on
    /// this process's last check of it (<see cref="Http.RecentKeys"/>): the request may do what needs no ledger
    /// (initialize, list tools), and nothing that reads or writes it.
    /// </summary>
    public bool Unverified { get; init; }

    /// <summary>Called before anything reads or writes the ledger for this request.</summary>
    /// <exception cref="LedgerUnavailableException">The credential is <see cref="Unverified"/>: the ledger is unavailable.</exception>
    public void ThrowIfUnverified()
    {
        if (Unverified)
        {
            throw new LedgerUnavailableException();
        }
    }
}
