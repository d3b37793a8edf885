using System.Text.Json;
using CycleTokens.Core.Tests.Support;
using CycleTokens.Mcp.Tests.Support;

namespace CycleTokens.Mcp.Tests.Cli;

/// <summary>
/// Issue 11: every command that opens the ledger reports an unusable path in the operator's terms — the path and the
/// cause, exit 1 — never a bare SQLite error code or .NET's "file already exists", and creates nothing.
/// </summary>
public sealed class CliOpenErrorTests
{
    [Theory]
    [InlineData("folder", "balance")]
    [InlineData("folder", "grant")]
    [InlineData("under-a-file", "balance")]
    [InlineData("under-a-file", "grant")]
    [InlineData("not-sqlite", "history")]
    [InlineData("not-sqlite", "verify")]
    [InlineData("other-database", "grant")]
    public async Task UnusablePath_ExitsOneNamingThePathAndTheCause(string kind, string command)
    {
        using var cli = new CliRunner();
        var (path, cause) = Prepare(cli.Folder, kind);
        var before = FolderState.Of(cli.Folder);
        string[] args = command switch
        {
            "grant" => ["grant", "alice", "5"],
            "history" => ["history", "alice"],
            "verify" => ["verify"],
            _ => ["balance", "alice"],
        };

        var text = await cli.RunRawAsync([.. args, "--db", path]);
        var json = await cli.RunRawAsync([.. args, "--db", path, "--json"]);

        Assert.Equal(1, text.Exit);
        Assert.Equal(string.Empty, text.Out);
        Assert.Contains(path, text.Err, StringComparison.Ordinal);
        Assert.Contains(cause, text.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("SQLite Error", text.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("already exists", text.Err, StringComparison.Ordinal);
        Assert.Equal(1, json.Exit);
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal(text.Err.TrimEnd(), doc.RootElement.GetProperty("error").GetString());
        Assert.Equal(before, FolderState.Of(cli.Folder));
    }

    internal static (string Path, string Cause) Prepare(string folder, string kind)
    {
        switch (kind)
        {
            case "folder":
                var dir = Path.Combine(folder, "ledger.db");
                Directory.CreateDirectory(dir);
                return (dir, "is a folder, not a file");
            case "under-a-file":
                var file = Path.Combine(folder, "notes.txt");
                File.WriteAllText(file, "x");
                return (Path.Combine(file, "sub", "ledger.db"), $"{file} is a file, not a folder");
            case "not-sqlite":
                var text = Path.Combine(folder, "ledger.db");
                File.WriteAllText(text, "Dear diary, today I did not write a database file at all.");
                return (text, "is not a SQLite database");
            default:
                var other = Path.Combine(folder, "other.db");
                using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={other};Pooling=false"))
                {
                    connection.Open();
                    using var command = connection.CreateCommand();
                    command.CommandText = "CREATE TABLE recipes (name TEXT)";
                    command.ExecuteNonQuery();
                }

                return (other, "is a SQLite database but not a CycleTokens ledger");
        }
    }
}
