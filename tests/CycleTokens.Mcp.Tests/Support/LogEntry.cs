using Microsoft.Extensions.Logging;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>One captured log entry.</summary>
internal sealed record LogEntry(string Category, LogLevel Level, string Message, Exception? Exception);
