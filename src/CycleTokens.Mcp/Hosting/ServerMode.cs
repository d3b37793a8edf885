using CycleTokens.Core;

namespace CycleTokens.Mcp.Hosting;

/// <summary>Who this server acts for: the bound account, and whether operator tools are on.</summary>
/// <param name="Account">The user account the session bills (chosen by whoever starts the server, never the model).</param>
/// <param name="Operator">True when operator tools and the account argument are available.</param>
internal sealed record ServerMode(string Account, bool Operator)
{
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
