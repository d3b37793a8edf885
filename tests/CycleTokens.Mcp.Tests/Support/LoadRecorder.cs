using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// Makes the calls of a multi-process load and keeps every outcome with its round trip. A business failure whose
/// sentence is not one of <paramref name="expectedFailures"/>, and any call that throws (dead process, timeout), is an
/// anomaly: the test fails on any.
/// </summary>
internal sealed class LoadRecorder(params string[] expectedFailures)
{
    private readonly ConcurrentQueue<ToolCall> _calls = new();
    private readonly ConcurrentQueue<string> _anomalies = new();

    public IReadOnlyList<ToolCall> Calls => [.. _calls];

    public IReadOnlyList<string> Anomalies => [.. _anomalies];

    public void Anomaly(string text) => _anomalies.Enqueue(text);

    /// <summary>Calls a tool and records the outcome; never throws for a business failure.</summary>
    public async Task<ToolCall> CallAsync(ServerSession session, string tool, string account, JsonObject arguments, CancellationToken cancellationToken)
    {
        var shown = arguments.ToJsonString();
        var started = Stopwatch.GetTimestamp();
        CallToolResult result;
        try
        {
            result = await session.CallAsync(tool, arguments, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            _anomalies.Enqueue($"{session.Name}: {tool} {shown} threw {ex.GetType().Name}: {ex.Message}\n{session.StderrTail}");
            throw;
        }

        var latency = Stopwatch.GetElapsedTime(started);
        var error = result.IsError is true ? McpTestServer.Text(result) : null;
        var replayed = error is null
            ? result.StructuredContent is { } s && s.TryGetProperty("replayed", out var r) && r.ValueKind == JsonValueKind.True
            : result.Meta?["replayed"]?.GetValue<bool>() == true;
        var call = new ToolCall(session.Name, tool, account, result.StructuredContent?.Clone(), error, replayed, started, latency.TotalMilliseconds);
        _calls.Enqueue(call);
        if (error is not null && !expectedFailures.Any(f => error.Contains(f, StringComparison.Ordinal)))
        {
            _anomalies.Enqueue($"{session.Name}: {tool} {shown} failed unexpectedly: {error}");
        }

        return call;
    }
}
