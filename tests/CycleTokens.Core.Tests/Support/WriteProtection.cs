namespace CycleTokens.Core.Tests.Support;

/// <summary>
/// Makes a file (mode 0444) or folder (0555) read-only for the test's duration. Permission bits do not stop root, so
/// as root it also sets the immutable attribute (chattr +i), which does; <see cref="Enforced"/> says whether a write
/// probe really failed, so a test can tell "nothing was written" from "nothing could be written".
/// </summary>
internal sealed class WriteProtection : IDisposable
{
    private readonly string _path;
    private readonly UnixFileMode _mode;
    private readonly bool _immutable;

    private WriteProtection(string path)
    {
        _path = path;
        var folder = Directory.Exists(path);
        if (OperatingSystem.IsWindows())
        {
            // No mode bits: the read-only attribute protects a file; a folder stays writable (Enforced says so).
            File.SetAttributes(path, File.GetAttributes(path) | FileAttributes.ReadOnly);
        }
        else
        {
            _mode = File.GetUnixFileMode(path);
            File.SetUnixFileMode(path, folder
                ? UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute
                : UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        if (Environment.IsPrivilegedProcess && !OperatingSystem.IsWindows())
        {
            _immutable = Chattr("+i", path);
        }

        Enforced = folder ? !CanCreateIn(path) : !CanOpenForWriting(path);
    }

    /// <summary>True when a write to the path really fails (not root, or root with the immutable attribute set).</summary>
    public bool Enforced { get; }

    /// <summary>Why the permission aspect cannot be shown, or null when it can.</summary>
    public string? NotEnforcedReason => Enforced ? null
        : "a read-only mode does not stop writes here (root without chattr +i, or a Windows folder); only 'nothing changed' is checked";

    public static WriteProtection Apply(string path) => new(path);

    public void Dispose()
    {
        if (_immutable)
        {
            Chattr("-i", _path);
        }

        if (OperatingSystem.IsWindows())
        {
            File.SetAttributes(_path, File.GetAttributes(_path) & ~FileAttributes.ReadOnly);
        }
        else
        {
            File.SetUnixFileMode(_path, _mode);
        }
    }

    private static bool CanCreateIn(string folder)
    {
        var probe = Path.Combine(folder, ".probe-" + Guid.NewGuid().ToString("N"));
        try
        {
            File.WriteAllText(probe, "x");
            File.Delete(probe);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool CanOpenForWriting(string file)
    {
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool Chattr(string flag, string path)
    {
        try
        {
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("chattr", [flag, path]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
