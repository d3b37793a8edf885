namespace CycleTokens.Mcp.Tests.Support;

/// <summary>A server session acting for one account: an agent bound to it, or an operator naming it in every call.</summary>
internal sealed record Actor(ServerSession Session, string Account, bool Operator);
