namespace CycleTokens.Mcp.Hosting;

/// <summary>A setting is missing or invalid; the message says which and is shown to the operator on stderr.</summary>
internal sealed class SettingsException(string message) : Exception(message);
