using CycleTokens.Core.Storage.Sqlite;
using CycleTokens.Core.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace CycleTokens.Core.Tests.Storage;

/// <summary>
/// Issue 11: a ledger file that cannot be opened fails with <see cref="LedgerOpenException"/>, one sentence naming
/// the path and the cause (never a bare "SQLite Error 14/8/26" or .NET's "file already exists"), and creates nothing.
/// </summary>
[Trait("Backend", "Sqlite")]
public sealed class OpenFailureTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cycletokens-tests", Guid.NewGuid().ToString("N"));
    private readonly ITestOutputHelper _output;

    public OpenFailureTests(ITestOutputHelper output)
    {
        _output = output;
        Directory.CreateDirectory(_folder);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PathOfAFolder_FailsSayingItIsAFolder(bool readOnly)
    {
        var path = Path.Combine(_folder, "ledger.db");
        Directory.CreateDirectory(path);
        var before = FolderState.Of(_folder);

        var ex = Assert.Throws<LedgerOpenException>(() => Open(path, readOnly));

        Assert.Equal(LedgerOpenFailure.NotAFile, ex.Failure);
        Assert.Equal($"The ledger path {path} is a folder, not a file.", ex.Message);
        Assert.Equal(path, ex.Path);
        Assert.Equal(before, FolderState.Of(_folder));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ParentThatIsAFile_FailsNamingThatFile_AndCreatesNoFolder(bool readOnly)
    {
        var file = Path.Combine(_folder, "notes.txt");
        File.WriteAllText(file, "keep me");
        var path = Path.Combine(file, "sub", "ledger.db");
        var before = FolderState.Of(_folder);

        var ex = Assert.Throws<LedgerOpenException>(() => Open(path, readOnly));

        Assert.Equal(LedgerOpenFailure.NotAFile, ex.Failure);
        Assert.Equal($"Cannot open the ledger {path}: {file} is a file, not a folder.", ex.Message);
        Assert.DoesNotContain("already exists", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, FolderState.Of(_folder));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FileThatIsNotSqlite_FailsSayingSo_AndIsLeftAlone(bool readOnly)
    {
        var path = Path.Combine(_folder, "ledger.db");
        File.WriteAllText(path, "These are my notes, not a database. They are longer than a SQLite header.");
        var before = FolderState.Of(_folder);

        var ex = Assert.Throws<LedgerOpenException>(() => Open(path, readOnly));

        Assert.Equal(LedgerOpenFailure.NotADatabase, ex.Failure);
        Assert.Equal($"{path} is not a SQLite database.", ex.Message);
        Assert.Equal(before, FolderState.Of(_folder));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SqliteDatabaseOfAnotherApplication_FailsSayingItIsNotALedger_AndGetsNoLedgerTables(bool readOnly)
    {
        var path = Path.Combine(_folder, "other.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=false"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('bread');";
            command.ExecuteNonQuery();
        }

        var before = FolderState.Of(_folder);

        var ex = Assert.Throws<LedgerOpenException>(() => Open(path, readOnly));

        Assert.Equal(LedgerOpenFailure.NotALedger, ex.Failure);
        Assert.Equal($"{path} is a SQLite database but not a CycleTokens ledger (it has no CycleTokens schema).", ex.Message);
        // Not converted to WAL, not migrated: the other application's file is exactly as it was.
        Assert.Equal(before, FolderState.Of(_folder));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LedgerWithANewerSchema_FailsNamingBothVersions(bool readOnly)
    {
        var path = Path.Combine(_folder, "ledger.db");
        Open(path, readOnly: false).Dispose();
        RawDb.Execute(path, $"PRAGMA user_version = {Migrator.LatestVersion + 1}");
        var before = FolderState.Of(_folder);

        var ex = Assert.Throws<LedgerOpenException>(() => Open(path, readOnly));

        Assert.Equal(LedgerOpenFailure.SchemaMismatch, ex.Failure);
        Assert.Equal(
            $"The ledger {path} has schema version {Migrator.LatestVersion + 1}, newer than this build understands ({Migrator.LatestVersion}): use a newer cycletokens.",
            ex.Message);
        Assert.Equal(before.Where(e => !e.StartsWith("ledger.db-", StringComparison.Ordinal)), FolderState.Of(_folder).Where(e => !e.StartsWith("ledger.db-", StringComparison.Ordinal)));
    }

    [Fact]
    public void ReadWrite_FileNotWritable_FailsNamingTheFile()
    {
        var path = Path.Combine(_folder, "ledger.db");
        Open(path, readOnly: false).Dispose();
        using var protection = WriteProtection.Apply(path);
        if (!protection.Enforced)
        {
            // Skipped part: the file can be written after all (root without chattr), so opening it must simply work.
            _output.WriteLine("Permission aspect not shown: " + protection.NotEnforcedReason);
            Open(path, readOnly: false).Dispose();
            return;
        }

        var ex = Assert.Throws<LedgerOpenException>(() => Open(path, readOnly: false));

        Assert.Equal(LedgerOpenFailure.NotWritable, ex.Failure);
        Assert.StartsWith($"The ledger file {path} is not writable (", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadWrite_FolderNotWritable_FailsNamingTheFolder()
    {
        var folder = Path.Combine(_folder, "locked");
        Directory.CreateDirectory(folder);
        var existing = Path.Combine(folder, "ledger.db");
        Open(existing, readOnly: false).Dispose();
        var before = FolderState.Of(_folder);
        using var protection = WriteProtection.Apply(folder);
        if (!protection.Enforced)
        {
            _output.WriteLine("Permission aspect not shown: " + protection.NotEnforcedReason);
            Open(existing, readOnly: false).Dispose();
            return;
        }

        // An existing ledger (SQLite must create -wal and -shm beside it), a new file, a new folder inside it.
        foreach (var path in new[] { existing, Path.Combine(folder, "new.db"), Path.Combine(folder, "sub", "new.db") })
        {
            var ex = Assert.Throws<LedgerOpenException>(() => Open(path, readOnly: false));

            Assert.Equal(LedgerOpenFailure.NotWritable, ex.Failure);
            Assert.StartsWith($"Cannot open the ledger {path}: the folder {folder} is not writable (", ex.Message, StringComparison.Ordinal);
        }

        Assert.Equal(before, FolderState.Of(_folder));
    }

    [Fact]
    public void ReadOnly_MissingFile_FailsNamingIt_AndCreatesNothing()
    {
        var path = Path.Combine(_folder, "typo.db");

        var ex = Assert.Throws<LedgerOpenException>(() => Open(path, readOnly: true));

        Assert.Equal(LedgerOpenFailure.Missing, ex.Failure);
        Assert.Equal($"No ledger at {path}: the file does not exist.", ex.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_folder));
    }

    [Fact]
    public void ReadOnly_MissingFolder_FailsNamingIt_AndCreatesNothing()
    {
        var folder = Path.Combine(_folder, "nowhere", "deeper");
        var path = Path.Combine(folder, "ledger.db");

        var ex = Assert.Throws<LedgerOpenException>(() => Open(path, readOnly: true));

        Assert.Equal(LedgerOpenFailure.Missing, ex.Failure);
        Assert.Equal($"No ledger at {path}: the folder {folder} does not exist.", ex.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_folder));
    }

    [Fact]
    public void ReadOnly_EmptySqliteFile_IsNotALedger()
    {
        var path = Path.Combine(_folder, "empty.db");
        File.WriteAllBytes(path, []);

        var ex = Assert.Throws<LedgerOpenException>(() => Open(path, readOnly: true));

        Assert.Equal(LedgerOpenFailure.NotALedger, ex.Failure);
        Assert.Equal(0, new FileInfo(path).Length);
    }

    [Fact]
    public void ReadOnly_OlderSchema_FailsBecauseItCannotMigrate()
    {
        var path = Path.Combine(_folder, "ledger.db");
        Open(path, readOnly: false).Dispose();
        RawDb.Execute(path, $"PRAGMA user_version = {Migrator.LatestVersion - 1}");

        var ex = Assert.Throws<LedgerOpenException>(() => Open(path, readOnly: true));

        Assert.Equal(LedgerOpenFailure.SchemaMismatch, ex.Failure);
        Assert.Contains("older than this build's", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private static TokenLedger Open(string path, bool readOnly) =>
        TokenLedger.Open(new LedgerOptions { DatabasePath = path, ReadOnly = readOnly });
}
