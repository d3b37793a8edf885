using System.Diagnostics;
using System.Globalization;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// Debian's libfaketime (package <c>faketime</c>), which sets a real process's wall clock. Optional: tests that use it
/// say so and carry on without it, unless <c>CYCLETOKENS_REQUIRE_FAKETIME=1</c> (set by CI) makes its absence a
/// failure. <c>CYCLETOKENS_NO_FAKETIME=1</c> pretends it is missing, to try what a machine without it runs.
/// </summary>
/// <remarks>
/// The library is preloaded into the server directly (<c>LD_PRELOAD</c> and <c>FAKETIME</c>), not through the
/// <c>faketime</c> wrapper: the wrapper creates a shared-memory segment named after its own pid in <c>/dev/shm</c>
/// exclusively and removes it only when its child exits normally. Killed with SIGKILL (as these tests do), it leaves
/// the segment behind, and a later wrapper that happens to get the same pid refuses to start ("faketime: shm_open:
/// File exists"): a server that dies before <c>initialize</c>, at random. The preloaded library keeps such a segment
/// too, but opens it without insisting on a new one; <see cref="Forget"/> removes it after a kill.
/// </remarks>
internal static class Faketime
{
    private static readonly string[] LibraryFolders =
    [
        "/usr/lib/x86_64-linux-gnu/faketime",
        "/usr/lib/aarch64-linux-gnu/faketime",
        "/usr/lib/faketime",
        "/usr/local/lib/faketime",
    ];

    /// <summary>The full path of <c>libfaketime.so.1</c>, or null when it is not installed.</summary>
    public static string? Library { get; } = Find();

    public static bool Required => Environment.GetEnvironmentVariable("CYCLETOKENS_REQUIRE_FAKETIME") == "1";

    /// <summary>
    /// A relative offset for <c>FAKETIME</c> that makes the process's clock read <paramref name="fakeTime"/> at the
    /// real instant <paramref name="realTime"/>; every process given the same pair shares one fake clock.
    /// </summary>
    public static string Offset(DateTimeOffset fakeTime, DateTimeOffset realTime)
    {
        var seconds = (fakeTime - realTime).TotalSeconds;
        return (seconds >= 0 ? "+" : "-") + Math.Abs(seconds).ToString("F3", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Makes the process <paramref name="info"/> starts run on the fake clock <paramref name="spec"/> (libfaketime
    /// shifts the monotonic clock too; leave it so: with FAKETIME_DONT_FAKE_MONOTONIC=1 .NET's timed waits return at
    /// once, Thread.Sleep(1) included).
    /// </summary>
    public static void Apply(ProcessStartInfo info, string spec)
    {
        var library = Library ?? throw new InvalidOperationException("libfaketime is not installed");
        info.Environment["LD_PRELOAD"] = library;
        info.Environment["FAKETIME"] = spec;
        info.Environment.Remove("FAKETIME_SHARED");
    }

    /// <summary>
    /// Removes what libfaketime kept in <c>/dev/shm</c> for the process <paramref name="pid"/>, which has exited. The
    /// library removes it at a normal exit only; these tests kill their servers, and a later process with the same pid
    /// would otherwise reuse a stale segment and semaphore.
    /// </summary>
    public static void Forget(int pid)
    {
        foreach (var name in (string[])[$"faketime_shm_{pid}", $"sem.faketime_sem_{pid}"])
        {
            try
            {
                File.Delete(Path.Combine("/dev/shm", name));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Not ours to remove, or already gone: harmless for this run.
            }
        }
    }

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("CYCLETOKENS_NO_FAKETIME") == "1" || !OperatingSystem.IsLinux())
        {
            return null;
        }

        return LibraryFolders.Select(folder => Path.Combine(folder, "libfaketime.so.1")).FirstOrDefault(File.Exists);
    }
}
