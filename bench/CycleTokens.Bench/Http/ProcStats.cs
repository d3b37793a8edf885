using System.Globalization;

namespace CycleTokens.Bench.Http;

/// <summary>Resident memory and CPU time of a process, from /proc (Linux only, as every mode that reads memory).</summary>
internal static class ProcStats
{
    /// <summary>VmRSS in MiB.</summary>
    public static double RssMib(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        throw new BenchException($"no VmRSS for process {pid}");
    }

    /// <summary>User + system CPU time of all the process's threads so far.</summary>
    public static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }
}
