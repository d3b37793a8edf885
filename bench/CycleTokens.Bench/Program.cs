using System.CommandLine;
using CycleTokens.Bench.Startup;

namespace CycleTokens.Bench;

/// <summary>
/// <c>cycletokens-bench MODE ...</c>: end-to-end measurements of server commands, one subcommand per mode. Run through
/// <c>bench/run.sh</c>, which builds what is measured.
/// </summary>
internal static class Program
{
    public static Task<int> Main(string[] args)
    {
        var root = new RootCommand("End-to-end benchmarks of CycleTokens server commands (see docs/benchmarks.md).");
        root.Subcommands.Add(StartupMode.Create());
        return root.Parse(args).InvokeAsync();
    }
}
