using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace CycleTokens.Core.Tests.Support;

/// <summary>
/// A man in the middle between the engine and a real PostgreSQL server, for network faults that a server restart
/// cannot time: it forwards every byte both ways on a Unix socket of its own, and on request cuts the connections at
/// once (<see cref="SeverAll"/>) or exactly when the server acknowledges a COMMIT, before the client hears it
/// (<see cref="LoseNextCommitAcknowledgement"/>): the transaction is durable and the client cannot know.
/// </summary>
/// <remarks>
/// It reads the server's messages as the protocol frames them (a type byte and a length), after passing the startup
/// exchange through, so it recognises the CommandComplete message whose tag is <c>COMMIT</c>. Encrypted connections
/// are passed through blind (the test URIs ask for none over a Unix socket).
/// </remarks>
internal sealed class PostgresProxy : IAsyncDisposable
{
    private const int SslRequest = 80877103;
    private const int GssRequest = 80877104;
    private static readonly byte[] CommitTag = "COMMIT\0"u8.ToArray();

    private readonly EndPoint _upstream;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Link> _links = [];
    private readonly Task _accepting;
    private int _loseCommit;
    private int _severed;

    private PostgresProxy(string server, string folder)
    {
        var builder = new NpgsqlConnectionStringBuilder(server);
        Server = server;
        Folder = folder;
        Port = builder.Port;
        var host = builder.Host ?? "localhost";
        _upstream = host.StartsWith('/') ? new UnixDomainSocketEndPoint(Path.Combine(host, $".s.PGSQL.{builder.Port}")) : new DnsEndPoint(host, builder.Port);
        Directory.CreateDirectory(folder);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(Path.Combine(folder, $".s.PGSQL.{Port}")));
        _listener.Listen(64);
        _accepting = AcceptAsync();
    }

    /// <summary>The real server's connection string.</summary>
    public string Server { get; }

    /// <summary>The folder holding the proxy's socket: the host of a connection through the proxy.</summary>
    public string Folder { get; }

    public int Port { get; }

    /// <summary>Connections cut so far, by either fault.</summary>
    public int Severed => Volatile.Read(ref _severed);

    /// <summary>Starts a proxy in front of the server <paramref name="server"/> names.</summary>
    public static PostgresProxy Start(string server) =>
        new(server, Path.Combine(Path.GetTempPath(), "ctpx-" + Guid.NewGuid().ToString("N")[..12]));

    /// <summary>The <c>postgresql://</c> URI of <paramref name="database"/> reached through the proxy.</summary>
    public string Uri(TestPostgresDatabase database)
    {
        var user = new NpgsqlConnectionStringBuilder(Server).Username ?? "postgres";
        return $"postgresql://{System.Uri.EscapeDataString(user)}@/{database.Name}?host={System.Uri.EscapeDataString(Folder)}&port={Port}&sslmode=disable";
    }

    /// <summary>
    /// The next COMMIT the server acknowledges on any connection is committed, but its acknowledgement never arrives:
    /// that connection is cut instead.
    /// </summary>
    public void LoseNextCommitAcknowledgement() => Volatile.Write(ref _loseCommit, 1);

    /// <summary>Cuts every connection open now (the server sees the client gone; the client sees the server gone).</summary>
    public void SeverAll()
    {
        lock (_links)
        {
            foreach (var link in _links)
            {
                Sever(link);
            }

            _links.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        SeverAll();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Sever(Link link) => link.Cut(() => Interlocked.Increment(ref _severed));

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptAsync(_stop.Token);
            var server = _upstream is UnixDomainSocketEndPoint
                ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
                : new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await server.ConnectAsync(_upstream, _stop.Token);
            }
            catch (SocketException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }

            var link = new Link(client, server);
            lock (_links)
            {
                _links.Add(link);
            }

            _ = RunAsync(link);
        }
    }

    private async Task RunAsync(Link link)
    {
        try
        {
            await using var client = new NetworkStream(link.Client, ownsSocket: false);
            await using var server = new NetworkStream(link.Server, ownsSocket: false);
            if (await StartupAsync(client, server))
            {
                await Task.WhenAll(client.CopyToAsync(server, _stop.Token), ForwardMessagesAsync(link, server, client));
            }
            else
            {
                await Task.WhenAll(client.CopyToAsync(server, _stop.Token), server.CopyToAsync(client, _stop.Token));
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or EndOfStreamException)
        {
            // One side closed or was cut: the other goes too, as a broken network would take both.
        }
        finally
        {
            lock (_links)
            {
                _links.Remove(link);
            }

            link.Cut(static () => { });
        }
    }

    /// <summary>Passes the startup exchange through; false when the connection is encrypted (then piped blind).</summary>
    private async Task<bool> StartupAsync(NetworkStream client, NetworkStream server)
    {
        while (true)
        {
            var length = new byte[4];
            await client.ReadExactlyAsync(length, _stop.Token);
            var body = new byte[BinaryPrimitives.ReadInt32BigEndian(length) - 4];
            await client.ReadExactlyAsync(body, _stop.Token);
            await server.WriteAsync(length, _stop.Token);
            await server.WriteAsync(body, _stop.Token);
            var code = BinaryPrimitives.ReadInt32BigEndian(body);
            if (code is not (SslRequest or GssRequest))
            {
                return true;
            }

            // The server answers an encryption request with one byte: N (no) and the client goes on in clear.
            var answer = new byte[1];
            await server.ReadExactlyAsync(answer, _stop.Token);
            await client.WriteAsync(answer, _stop.Token);
            if (answer[0] != (byte)'N')
            {
                return false;
            }
        }
    }

    /// <summary>Forwards the server's messages one by one, cutting the link instead of passing a COMMIT's acknowledgement when armed.</summary>
    private async Task ForwardMessagesAsync(Link link, NetworkStream server, NetworkStream client)
    {
        var header = new byte[5];
        while (true)
        {
            await server.ReadExactlyAsync(header, _stop.Token);
            var body = new byte[BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1)) - 4];
            await server.ReadExactlyAsync(body, _stop.Token);
            if (header[0] == (byte)'C' && body.AsSpan().SequenceEqual(CommitTag) && Interlocked.Exchange(ref _loseCommit, 0) == 1)
            {
                lock (_links)
                {
                    Sever(link);
                }

                return;
            }

            await client.WriteAsync(header, _stop.Token);
            await client.WriteAsync(body, _stop.Token);
        }
    }

    /// <summary>One client connection and its connection to the server.</summary>
    private sealed class Link(Socket client, Socket server)
    {
        private int _cut;

        public Socket Client => client;

        public Socket Server => server;

        /// <summary>
        /// Closes both sides, the first time only, after <paramref name="counted"/> runs: a test that sees its side
        /// closed must find the cut counted already.
        /// </summary>
        public void Cut(Action counted)
        {
            if (Interlocked.Exchange(ref _cut, 1) == 1)
            {
                return;
            }

            counted();
            foreach (var socket in new[] { client, server })
            {
                try
                {
                    socket.Shutdown(SocketShutdown.Both);
                }
                catch (SocketException)
                {
                }

                socket.Dispose();
            }
        }
    }
}
