using System.CommandLine;
using CycleTokens.Bench.Backends;
using CycleTokens.Bench.Hop;
using CycleTokens.Bench.Http;
using CycleTokens.Bench.Ledger;
using CycleTokens.Bench.Migrate;
using CycleTokens.Bench.Share;
using CycleTokens.Bench.Startup;

namespace CycleTokens.Bench;

/// <summary>
/// <c>cycletokens-bench MODE ...</c>: measurements of the engine (in process) and of server commands (over stdio), one
/// subcommand per mode. Run through <c>bench/run.sh</c>, which builds what is measured.
/// </summary>
internal static class Program
{
    public static Task<int> Main(string[] args)
    {
        var root = new RootCommand("Benchmarks of CycleTokens: the engine in process and the server over stdio and HTTP (see docs/benchmarks.md).");
        root.Subcommands.Add(StartupMode.Create());
        root.Subcommands.Add(LedgerMode.Create());
        root.Subcommands.Add(HopMode.Create());
        root.Subcommands.Add(MemoryMode.Create());
        root.Subcommands.Add(ShareMode.Create());
        root.Subcommands.Add(ShareWorker.Create());
        root.Subcommands.Add(HttpMode.Create());
        root.Subcommands.Add(LoopMode.Create());
        root.Subcommands.Add(ReservationMode.Create());
        root.Subcommands.Add(BackendsMode.Create());
        root.Subcommands.Add(MigrateMode.Create());
        return root.Parse(args).InvokeAsync();
    }
}
