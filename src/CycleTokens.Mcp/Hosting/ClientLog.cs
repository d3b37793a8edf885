using System.Text.Json;
using System.Text.Json.Nodes;
using CycleTokens.Mcp.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CycleTokens.Mcp.Hosting;

/// <summary>
/// Logging notifications (<c>notifications/message</c>) in whichever way the request's protocol revision allows:
/// on 2025-11-25 and earlier the session level set by <c>logging/setLevel</c>; on 2026-07-28 the per-request
/// <c>_meta</c> log level (absent: the client wants none for that request).
/// </summary>
internal static class ClientLog
{
    private const string Modern = "2026-07-28";

    public static LoggingLevel? Threshold(MessageContext context)
    {
        var request = context.JsonRpcMessage as JsonRpcRequest;
        var version = request?.Context?.ProtocolVersion ?? context.Server.NegotiatedProtocolVersion;
        return string.CompareOrdinal(version, Modern) >= 0 ? request?.Context?.LogLevel : context.Server.LoggingLevel;
    }

    public static async Task SendAsync(MessageContext context, LoggingLevel level, string logger, JsonObject data, CancellationToken cancellationToken)
    {
        if (Threshold(context) is not { } minimum || level < minimum)
        {
            return;
        }

        await context.Server.SendNotificationAsync(
            NotificationMethods.LoggingMessageNotification,
            new LoggingMessageNotificationParams { Level = level, Logger = logger, Data = JsonSerializer.SerializeToElement(data, WireJson.Context.JsonObject) },
            McpJsonUtilities.DefaultOptions,
            cancellationToken);
    }
}
