using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// The 2.4 client has no API for the 2026-07-28 per-request log level (it strips it from _meta), so tests add it to
/// every outgoing 2026 request at the transport, as a client that wants event logs would send it.
/// </summary>
internal sealed class LogLevelInjectingTransport(IClientTransport inner, LoggingLevel level) : IClientTransport
{
    public string Name => inner.Name;

    public async Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default) =>
        new Session(await inner.ConnectAsync(cancellationToken), level);

    private sealed class Session(ITransport inner, LoggingLevel level) : ITransport
    {
        public string? SessionId => inner.SessionId;

        public ChannelReader<JsonRpcMessage> MessageReader => inner.MessageReader;

        public ValueTask DisposeAsync() => inner.DisposeAsync();

        public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
        {
            if (message is JsonRpcRequest { Params: JsonObject p } && p["_meta"] is JsonObject meta && meta.ContainsKey(MetaKeys.ProtocolVersion))
            {
                meta[MetaKeys.LogLevel] = JsonSerializer.SerializeToNode(level, McpJsonUtilities.DefaultOptions);
            }

            return inner.SendMessageAsync(message, cancellationToken);
        }
    }
}
