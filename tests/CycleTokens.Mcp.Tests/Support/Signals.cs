using System.Runtime.InteropServices;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>POSIX signals for real processes (.NET can send only SIGKILL).</summary>
internal static class Signals
{
    public const int SigTerm = 15;

    [DllImport("libc", SetLastError = true)]
#pragma warning disable CA5392, SYSLIB1054 // A test helper: the libc signal call, nothing to marshal.
    public static extern int kill(int pid, int signal);
#pragma warning restore CA5392, SYSLIB1054
}
