using System.Globalization;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// Debian's <c>faketime</c> (libfaketime), which sets a real process's wall clock. Optional: tests that use it say so
/// and carry on without it, unless <c>CYCLETOKENS_REQUIRE_FAKETIME=1</c> (set by CI) makes its absence a failure.
/// <c>CYCLETOKENS_NO_FAKETIME=1</c> pretends it is missing, to try what a machine without it runs.
/// </summary>
internal static class Faketime
{
    /// <summary>The full path of <c>faketime</c> on the PATH, or null.</summary>
    public static string? Executable { get; } = Find();

    public static bool Required => Environment.GetEnvironmentVariable("CYCLETOKENS_REQUIRE_FAKETIME") == "1";

    /// <summary>
    /// A relative offset for <c>faketime -f</c> that makes the process's clock read <paramref name="fakeTime"/> at the
    /// real instant <paramref name="realTime"/>; every process given the same pair shares one fake clock.
    /// </summary>
    public static string Offset(DateTimeOffset fakeTime, DateTimeOffset realTime)
    {
        var seconds = (fakeTime - realTime).TotalSeconds;
        return (seconds >= 0 ? "+" : "-") + Math.Abs(seconds).ToString("F3", CultureInfo.InvariantCulture);
    }

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("CYCLETOKENS_NO_FAKETIME") == "1" || !OperatingSystem.IsLinux())
        {
            return null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, "faketime"))
            .FirstOrDefault(File.Exists);
    }
}
