namespace CycleTokens.Mcp.Hosting;

/// <summary>Who this server acts for: the bound account, and whether operator tools are on.</summary>
/// <param name="Account">The user account the session bills (chosen by whoever starts the server, never the model).</param>
/// <param name="Operator">True when operator tools and the account argument are available.</param>
internal sealed record ServerMode(string Account, bool Operator);
