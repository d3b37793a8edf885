using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>Keeps every Serilog event the HTTP server writes, as text (message, properties, exception), for tests that check the log.</summary>
internal sealed class CapturingSink : ILogEventSink
{
    private readonly ConcurrentQueue<string> _events = new();

    public IReadOnlyList<string> Events => [.. _events];

    /// <summary>A logger that writes everything, down to Verbose, to this sink.</summary>
    public Serilog.ILogger Logger() => new Serilog.LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(this).CreateLogger();

    public void Emit(LogEvent logEvent) =>
        _events.Enqueue(string.Join(" | ", logEvent.RenderMessage(), string.Join(", ", logEvent.Properties.Select(p => p.Key + "=" + p.Value)), logEvent.Exception?.ToString()));
}
