using System.Text.Json.Nodes;
using CycleTokens.Core;
using CycleTokens.Core.Events;
using CycleTokens.Mcp.Resources;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CycleTokens.Mcp.Hosting;

/// <summary>
/// Sends the engine events of one request that concern the request's own account to its client as logging
/// notifications (logger <c>cycletokens.events</c>) when the client asked for logs. When a request changed balances, a
/// <c>resources/updated</c> for <c>tokens://balance</c> goes to every session subscribed for each account whose
/// balance changed (an operator's grant reaches the sessions of the account granted to) and to no other session.
/// </summary>
internal sealed class EventForwarder(TokenLedger ledger, SubscriptionHub hub, BalanceWatcher watcher)
{
    public const string Logger = "cycletokens.events";

    public async Task ForwardAsync(MessageContext context, ServerMode mode, IReadOnlyList<LedgerEvent> events, CancellationToken cancellationToken)
    {
        var changed = new List<string>();
        // Events are shaped only for a client that asked for logs at this level.
        var logged = ClientLog.Threshold(context) is { } minimum && LoggingLevel.Info >= minimum;
        foreach (var e in events)
        {
            if (e.BalanceChanged && !changed.Contains(e.Account))
            {
                changed.Add(e.Account);
            }

            if (logged && e.Account == mode.Account)
            {
                await ClientLog.SendAsync(context, LoggingLevel.Info, Logger, ToJson(e), cancellationToken);
            }
        }

        foreach (var account in changed.Where(a => hub.HasSubscribers(a, ResourceCatalog.BalanceUri)))
        {
            // Announced once: by this call, unless the watcher's own look reached this position first.
            if (await PositionAsync(account, cancellationToken) is not { } position || watcher.Advance(account, position))
            {
                await hub.NotifyUpdatedAsync(account, ResourceCatalog.BalanceUri, cancellationToken);
            }
        }
    }

    /// <summary>
    /// The account's journal position, or null when the database became unavailable since the request committed: the
    /// change is done and announced all the same (the request's answer must not be lost to that), and the watcher
    /// may announce it once more later, which is harmless.
    /// </summary>
    private async Task<long?> PositionAsync(string account, CancellationToken cancellationToken)
    {
        try
        {
            return await ledger.GetJournalPositionAsync(account, cancellationToken);
        }
        catch (LedgerUnavailableException)
        {
            return null;
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
