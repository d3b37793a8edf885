using System.Text.Json.Nodes;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// Several <c>cycletokens serve --http</c> processes on loopback ports sharing one PostgreSQL ledger, deployed as an
/// operator would: an API key per account made with the CLI, every host serving every key.
/// </summary>
internal sealed class LedgerHosts : IAsyncDisposable
{
    private readonly List<LedgerHost> _hosts = [];

    private LedgerHosts(string db) => Db = db;

    /// <summary>The ledger's <c>postgresql://</c> URI.</summary>
    public string Db { get; }

    /// <summary>Each account's key secret.</summary>
    public IReadOnlyDictionary<string, string> Secrets { get; private set; } = new Dictionary<string, string>();

    public IReadOnlyList<LedgerHost> All => _hosts;

    /// <summary>
    /// Makes a key per account with the CLI while <paramref name="count"/> hosts start (all at once: whichever comes
    /// first migrates the empty database, the others wait for it), then connects a client per host and account.
    /// </summary>
    public static async Task<LedgerHosts> StartAsync(string db, int count, IReadOnlyList<string> accounts)
    {
        var keys = Task.WhenAll(accounts.Select(account => HttpServeProcess.CreateKeyAsync(db, account)));
        var starts = Enumerable.Range(0, count).Select(_ => HttpServeProcess.StartAsync(db)).ToList();
        var hosts = new LedgerHosts(db);
        try
        {
            try
            {
                await Task.WhenAll(starts.Append<Task>(keys));
            }
            finally
            {
                // Every host that started is disposed with the rest, even when another failed to start.
                hosts._hosts.AddRange(starts.Where(s => s.IsCompletedSuccessfully).Select((s, i) => new LedgerHost($"host-{i}", s.Result)));
            }

            hosts.Secrets = accounts.Zip(keys.Result).ToDictionary(p => p.First, p => p.Second["secret"]!.GetValue<string>(), StringComparer.Ordinal);
            await Task.WhenAll(hosts._hosts.Select(h => h.ConnectAsync(hosts.Secrets)));
            return hosts;
        }
        catch
        {
            await hosts.DisposeAsync();
            throw;
        }
    }

    /// <summary>The <paramref name="index"/>-th host counting round from 0, skipping killed ones.</summary>
    public LedgerHost Live(int index)
    {
        var live = _hosts.Where(h => !h.Killed).ToList();
        return live[index % live.Count];
    }

    /// <summary>Runs <c>cycletokens verify --db URI --json</c> (exit 0 asserted) and returns its report.</summary>
    public async Task<JsonNode> VerifyAsync() => JsonNode.Parse(await HttpServeProcess.CliAsync("verify", "--db", Db, "--json"))!;

    /// <summary>Lines the hosts logged at error level or above (an unexpected failure of a tool is one).</summary>
    public IEnumerable<string> ErrorLines() => _hosts.SelectMany(h => h.Server.Process.StderrLines
        .Where(l => l.Contains(" ERR]", StringComparison.Ordinal) || l.Contains(" FTL]", StringComparison.Ordinal))
        .Select(l => $"{h.Name}: {l}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
    }
}
