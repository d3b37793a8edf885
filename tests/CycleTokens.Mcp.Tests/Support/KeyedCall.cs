using System.Text.Json.Nodes;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>A keyed call of a <see cref="KeyedLoad"/>: sent, and sent again, with these arguments and key until it has an outcome.</summary>
internal sealed record KeyedCall(string Key, string Account, string Tool, JsonObject Arguments);
