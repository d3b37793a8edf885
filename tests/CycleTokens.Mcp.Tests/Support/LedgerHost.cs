using ModelContextProtocol.Client;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// One <c>cycletokens serve --http</c> process of a <see cref="LedgerHosts"/> deployment, with an MCP client per
/// account (each presenting that account's API key). The test may kill it (SIGKILL) at any moment.
/// </summary>
internal sealed class LedgerHost(string name, HttpServeProcess server) : IAsyncDisposable
{
    private readonly Dictionary<string, McpClient> _clients = new(StringComparer.Ordinal);
    private int _killed;

    /// <summary>A label for messages (<c>host-0</c>, ...).</summary>
    public string Name => name;

    public HttpServeProcess Server => server;

    /// <summary>True once the test has killed this host: only then may its calls fail at the transport.</summary>
    public bool Killed => Volatile.Read(ref _killed) == 1;

    /// <summary>The client acting for <paramref name="account"/> on this host.</summary>
    public McpClient Client(string account) => _clients[account];

    /// <summary>Connects a client for each account with its key (each host checks every key once here).</summary>
    public async Task ConnectAsync(IReadOnlyDictionary<string, string> secrets)
    {
        foreach (var (account, secret) in secrets)
        {
            _clients[account] = await server.ConnectAsync(secret);
        }
    }

    /// <summary>SIGKILL, with calls in flight: no shutdown, no goodbye to the database.</summary>
    public void Kill()
    {
        Volatile.Write(ref _killed, 1);
        server.Process.Kill();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Values)
        {
            try
            {
                await client.DisposeAsync();
            }
#pragma warning disable CA1031 // A killed host's clients fail to say goodbye; that is no finding of the test.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }

        await server.DisposeAsync();
    }
}
