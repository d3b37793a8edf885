using System.Text.Json.Nodes;
using CycleTokens.Core;
using CycleTokens.Core.Events;
using CycleTokens.Mcp.Resources;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CycleTokens.Mcp.Hosting;

/// <summary>
/// Sends the engine events of one request that concern the request's own account to its client: each as a logging
/// notification (logger <c>cycletokens.events</c>) when the client asked for logs, and a
/// <c>resources/updated</c> for <c>tokens://balance</c> to every session of that account subscribed to it when the
/// balance changed. Sessions of other accounts hear nothing.
/// </summary>
internal sealed class EventForwarder(TokenLedger ledger, SubscriptionHub hub, BalanceWatcher watcher)
{
    public const string Logger = "cycletokens.events";

    public async Task ForwardAsync(MessageContext context, ServerMode mode, IReadOnlyList<LedgerEvent> events, CancellationToken cancellationToken)
    {
        var balanceChanged = false;
        // Events are shaped only for a client that asked for logs at this level.
        var logged = ClientLog.Threshold(context) is { } minimum && LoggingLevel.Info >= minimum;
        foreach (var e in events)
        {
            if (e.Account != mode.Account)
            {
                continue;
            }

            balanceChanged |= e.BalanceChanged;
            if (logged)
            {
                await ClientLog.SendAsync(context, LoggingLevel.Info, Logger, ToJson(e), cancellationToken);
            }
        }

        if (balanceChanged && hub.HasSubscribers(mode.Account, ResourceCatalog.BalanceUri))
        {
            // Announced now; the watcher must not announce the same change again.
            watcher.Seen(mode.Account, await ledger.GetJournalPositionAsync(mode.Account, cancellationToken));
            await hub.NotifyUpdatedAsync(mode.Account, ResourceCatalog.BalanceUri, cancellationToken);
        }
    }

    public static JsonObject ToJson(LedgerEvent e)
    {
        var json = new JsonObject { ["event"] = e.Name, ["account"] = e.Account, ["timestamp"] = Json.Wire.Time(e.Timestamp) };
        foreach (var (key, value) in e.Data)
        {
            json[key] = value switch
            {
                null => null,
                long l => l,
                int i => i,
                bool b => b,
                DateTimeOffset d => Json.Wire.Time(d),
                _ => value.ToString(),
            };
        }

        return json;
    }
}
