using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Bench.Http;

/// <summary>
/// SDK clients over Streamable HTTP (<see cref="HttpClientTransport"/>), one per session, sharing one connection pool.
/// Each presents its own key, when the server takes keys.
/// </summary>
internal static class Sessions
{
    /// <summary>The revision with the initialize handshake and HTTP sessions.</summary>
    public const string Sessioned = "2025-11-25";

    /// <summary>The SDK's default: per-request metadata, no session (null asks the client for its preferred revision).</summary>
    public const string? PerRequest = null;

    public static Task<McpClient> ConnectAsync(HttpClient http, Uri endpoint, string? secret, string? protocolVersion, CancellationToken cancellationToken)
    {
        var headers = secret is null ? null : new Dictionary<string, string> { ["Authorization"] = "Bearer " + secret };
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions { Endpoint = endpoint, TransportMode = HttpTransportMode.StreamableHttp, AdditionalHeaders = headers },
            http,
            ownsHttpClient: false);
        return McpClient.CreateAsync(
            transport,
            new McpClientOptions { ClientInfo = new Implementation { Name = "cycletokens-bench", Version = "1.0" }, ProtocolVersion = protocolVersion },
            cancellationToken: cancellationToken);
    }

    /// <summary><paramref name="count"/> sessions, at most 32 handshakes at a time; session <c>i</c> uses secret <c>i mod n</c>.</summary>
    public static async Task<List<McpClient>> OpenAsync(HttpClient http, Uri endpoint, IReadOnlyList<string>? secrets, string? protocolVersion, int count, CancellationToken cancellationToken)
    {
        var clients = new McpClient[count];
        using var gate = new SemaphoreSlim(32);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                clients[i] = await ConnectAsync(http, endpoint, secrets?[i % secrets.Count], protocolVersion, cancellationToken);
            }
            finally
            {
                gate.Release();
            }
        }));
        return [.. clients];
    }

    /// <summary>Ends the sessions (DELETE for sessioned ones), at most 32 at a time, each given 10 s.</summary>
    public static async Task CloseAsync(IEnumerable<McpClient> clients)
    {
        using var gate = new SemaphoreSlim(32);
        await Task.WhenAll(clients.Where(c => c is not null).Select(async c =>
        {
            await gate.WaitAsync();
            try
            {
                await c.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                // A session that will not close is left to the server's idle sweep; the run goes on.
            }
            finally
            {
                gate.Release();
            }
        }));
    }
}
