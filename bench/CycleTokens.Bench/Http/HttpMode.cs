using System.CommandLine;
using System.Globalization;
using CycleTokens.Core;

namespace CycleTokens.Bench.Http;

/// <summary>
/// <c>http</c> (issue 12): keyed charges over Streamable HTTP against the server process with 1, 16 and 64 sessions,
/// against the engine in process and the reference's echo over its own Streamable HTTP; then resident memory with
/// 1,000 idle sessions. Loopback only; every loop bounded in time and count.
/// </summary>
internal static class HttpMode
{
    private static readonly Option<string> Server = new("--server") { Description = "Our server: LABEL=[VAR=value ...] PROGRAM [ARG ...] with {db} and {port}.", Required = true };
    private static readonly Option<string?> Reference = new("--reference") { Description = "The reference server over Streamable HTTP: LABEL=[VAR=value ...] PROGRAM [ARG ...] with {port}; its echo tool is called." };
    private static readonly Option<string> Levels = new("--sessions") { Description = "Concurrent sessions (and in-process callers).", DefaultValueFactory = _ => "1,16,64" };
    private static readonly Option<double> Warmup = new("--warmup") { Description = "Seconds of unmeasured calls before each loop.", DefaultValueFactory = _ => 3 };
    private static readonly Option<double> Seconds = new("--seconds") { Description = "Seconds each measured loop runs at most.", DefaultValueFactory = _ => 10 };
    private static readonly Option<int> MaxCalls = new("--max-calls") { Description = "Calls per session each measured loop makes at most.", DefaultValueFactory = _ => 100_000 };
    private static readonly Option<int> Rounds = new("--rounds") { Description = "Slices each loop's measured time is split into, taken in turn with the other loops.", DefaultValueFactory = _ => 5 };
    private static readonly Option<int> IdleSessions = new("--idle-sessions") { Description = "Idle sessions for the memory reading (0: none).", DefaultValueFactory = _ => 1_000 };
    private static readonly Option<double> Settle = new("--settle") { Description = "Seconds before each memory reading.", DefaultValueFactory = _ => 3 };

    public static Command Create()
    {
        var command = new Command("http", "Issue 12: charges over HTTP with 1/16/64 sessions against in process and the reference's echo; memory with idle sessions.");
        foreach (var option in new Option[] { Server, Reference, Levels, Warmup, Seconds, MaxCalls, Rounds, IdleSessions, Settle })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (r, ct) =>
        {
            var levels = r.GetValue(Levels)!.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
            var settings = new LoadSettings(TimeSpan.FromSeconds(r.GetValue(Warmup)), TimeSpan.FromSeconds(r.GetValue(Seconds)), r.GetValue(MaxCalls), Math.Max(1, r.GetValue(Rounds)));
            await RunAsync(
                Candidate.Parse(r.GetValue(Server)!),
                r.GetValue(Reference) is { } reference ? Candidate.Parse(reference) : null,
                levels,
                settings,
                r.GetValue(IdleSessions),
                TimeSpan.FromSeconds(r.GetValue(Settle)),
                ct);
            return 0;
        });
        return command;
    }

    private static async Task RunAsync(Candidate ours, Candidate? reference, IReadOnlyList<int> levels, LoadSettings settings, int idleSessions, TimeSpan settle, CancellationToken cancellationToken)
    {
        var accounts = levels.Max();
        var folder = Directory.CreateTempSubdirectory("cycletokens-http-");
        // One pool for every client: connections are opened as sessions need them and never recycled mid-run.
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { Timeout = TimeSpan.FromMinutes(2) };
        try
        {
            var text = new System.Text.StringBuilder();
            var secrets = await BenchAccounts.PrepareAsync(Path.Combine(folder.FullName, "http.db"), accounts, keys: true, cancellationToken);
            var inProcessSecrets = await BenchAccounts.PrepareAsync(Path.Combine(folder.FullName, "in-process.db"), accounts, keys: true, cancellationToken);
            using (var server = await ServerProcess.StartAsync(ours, Path.Combine(folder.FullName, "http.db"), cancellationToken))
            using (var echo = reference is null ? null : await ServerProcess.StartAsync(reference, Path.Combine(folder.FullName, "unused.db"), cancellationToken))
            using (var ledger = TokenLedger.Open(new LedgerOptions { DatabasePath = Path.Combine(folder.FullName, "in-process.db") }))
            {
                if (echo is not null)
                {
                    text.AppendLine(await NegotiatedAsync(http, echo, cancellationToken));
                }

                var throughput = new Throughput(http, server, secrets, ledger, inProcessSecrets, echo, settings);
                await throughput.RunAsync(levels, cancellationToken);
                text.Append(throughput.Report());
            }

            if (idleSessions > 0)
            {
                text.Append(IdleMemory.Header(idleSessions, settle));
                var memorySecrets = await BenchAccounts.PrepareAsync(Path.Combine(folder.FullName, "memory.db"), accounts, keys: true, cancellationToken);
                using (var server = await ServerProcess.StartAsync(ours, Path.Combine(folder.FullName, "memory.db"), cancellationToken))
                {
                    text.AppendLine(await IdleMemory.RunAsync(http, server, memorySecrets, c => Calls.HttpCharge(c, "m"), idleSessions, settle, cancellationToken));
                }

                if (reference is not null)
                {
                    using var echo = await ServerProcess.StartAsync(reference, Path.Combine(folder.FullName, "unused.db"), cancellationToken);
                    text.AppendLine(await IdleMemory.RunAsync(http, echo, null, Calls.Echo, idleSessions, settle, cancellationToken));
                }

                text.AppendLine();
                text.AppendLine(CultureInfo.InvariantCulture, $"Idle sessions for our server are spread over {accounts} keys (one per account), {(idleSessions + accounts - 1) / accounts} at most on one.");
                text.AppendLine();
            }

            Console.Out.Write(text.ToString());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    // What the SDK's default (per-request 2026-07-28, falling back to the handshake) settles on with the reference.
    private static async Task<string> NegotiatedAsync(HttpClient http, ServerProcess echo, CancellationToken cancellationToken)
    {
        var clients = await Sessions.OpenAsync(http, echo.Endpoint, null, Sessions.PerRequest, 1, cancellationToken);
        var version = clients[0].NegotiatedProtocolVersion;
        await Sessions.CloseAsync(clients);
        return $"The SDK client's default revision (2026-07-28, falling back to the handshake) settles on {version} with {echo.Candidate.Label}; its echo is measured with 2025-11-25 sessions.\n";
    }
}
