using CycleTokens.Core;
using CycleTokens.Core.Events;

namespace CycleTokens.Mcp.Hosting;

/// <summary>
/// Collects the engine events raised while one MCP request runs. Engine events fire synchronously after commit on the
/// calling flow, so an <see cref="AsyncLocal{T}"/> list set by the request handler receives exactly that request's
/// events (also when the call then fails), which the handler forwards before it answers.
/// </summary>
internal sealed class EventScope : IDisposable
{
    private static readonly AsyncLocal<List<LedgerEvent>?> Current = new();

    private EventScope() => Current.Value = Events;

    /// <summary>The events raised so far in this scope, in order.</summary>
    public List<LedgerEvent> Events { get; } = [];

    /// <summary>Routes the ledger's events into whichever scope is current on the raising flow.</summary>
    public static void Attach(TokenLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ledger.EventRaised += (_, e) => Current.Value?.Add(e);
    }

    /// <summary>Starts collecting on the current flow (call it from the request handler, then await the work).</summary>
    public static EventScope Begin() => new();

    public void Dispose() => Current.Value = null;
}
