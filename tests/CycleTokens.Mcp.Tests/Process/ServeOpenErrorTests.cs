using CycleTokens.Core.Tests.Support;
using CycleTokens.Mcp.Tests.Cli;
using CycleTokens.Mcp.Tests.Support;

namespace CycleTokens.Mcp.Tests.Process;

/// <summary>
/// Issue 11: <c>serve</c> with a ledger path it cannot use exits 1 at start with a message naming the path and the
/// cause, writes nothing on stdout (the protocol channel) and creates nothing.
/// </summary>
public sealed class ServeOpenErrorTests
{
    [Theory]
    [InlineData("folder")]
    [InlineData("under-a-file")]
    [InlineData("not-sqlite")]
    public async Task UnusableLedgerPath_ExitsOne_NamingThePathAndTheCause(string kind)
    {
        using var folder = new TempFolder();
        var (path, cause) = CliOpenErrorTests.Prepare(folder.Path, kind);
        var before = FolderState.Of(folder.Path);
        var info = ServerProcess.Server("serve", "--db", path);
        info.Environment["HOME"] = folder.Path;

        await using var server = ServerProcess.Start(info);
        server.CloseInput();
        var exitCode = await server.WaitForExitAsync();

        Assert.Equal(1, exitCode);
        Assert.Empty(server.StdoutLines);
        Assert.Contains(server.StderrLines, l => l.Contains(path, StringComparison.Ordinal) && l.Contains(cause, StringComparison.Ordinal));
        Assert.DoesNotContain(server.StderrLines, l => l.Contains("SQLite Error", StringComparison.Ordinal) || l.Contains("already exists", StringComparison.Ordinal));
        Assert.Equal(before, FolderState.Of(folder.Path));
    }

    [Fact]
    public async Task AReceiptKeyFileOthersCanRead_ExitsOne_NamingTheFile_AndNothingOnStdout()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix permissions
        }

        using var folder = new TempFolder();
        var keys = folder.File("keys.json");
        (await Core.Receipts.ReceiptKeyRing.OpenAsync(keys)).Dispose();
        File.SetUnixFileMode(keys, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        await using var server = ServerProcess.Start(ServerProcess.Server("serve", "--db", folder.File("ledger.db"), "--receipt-keys", keys));
        server.CloseInput();
        var exitCode = await server.WaitForExitAsync();

        Assert.Equal(1, exitCode);
        Assert.Empty(server.StdoutLines);
        Assert.Contains(server.StderrLines, l => l.Contains(keys, StringComparison.Ordinal) && l.Contains("chmod 600", StringComparison.Ordinal));
    }
}
