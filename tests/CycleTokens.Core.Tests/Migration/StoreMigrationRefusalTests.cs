using CycleTokens.Core.Migration;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Migration;

/// <summary>
/// Issue 13 item 4: <c>migrate-store</c> writes only into an empty store, never copies a ledger onto itself, and refuses
/// a schema it does not copy completely; a refused target is left as it was.
/// </summary>
[Trait("Backend", "Sqlite")]
public sealed class StoreMigrationRefusalTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));
    private readonly TempFolder _folder = new();

    private CancellationToken Token => _timeout.Token;

    [Fact]
    public async Task NonEmptySqliteTarget_IsRefused_AndLeftExactlyAsItWas()
    {
        var source = await SmallLedgerAsync("source.db");
        var target = await SmallLedgerAsync(Path.Combine("target", "ledger.db"), "bob");
        var before = FolderState.Of(Path.GetDirectoryName(target)!);

        var ex = await Assert.ThrowsAsync<StoreCopyException>(() => CopyAsync(source, target));

        Assert.Equal(StoreCopyFailure.TargetNotEmpty, ex.Failure);
        Assert.StartsWith($"The target {target} is not empty (", ex.Message, StringComparison.Ordinal);
        Assert.Contains("2 rows in transactions", ex.Message, StringComparison.Ordinal);
        // No -wal, -shm or -queue beside it either: the refusal came from a read-only look.
        Assert.Equal(before, FolderState.Of(Path.GetDirectoryName(target)!));
    }

    [PostgresFact]
    public async Task NonEmptyPostgresTarget_IsRefused_AndUnchanged()
    {
        await using var pg = await TestPostgresDatabase.CreateAsync(Token);
        var source = await SmallLedgerAsync("source.db");
        using (var other = TokenLedger.Open(Options(pg.Uri)))
        {
            await other.GrantAsync("bob", 7);
        }

        var before = LedgerDump.Of(pg.Uri);

        var ex = await Assert.ThrowsAsync<StoreCopyException>(() => CopyAsync(source, pg.Uri));

        Assert.Equal(StoreCopyFailure.TargetNotEmpty, ex.Failure);
        Assert.Contains("is not empty (", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(source, ex.Message, StringComparison.Ordinal);
        LedgerDump.AssertEqual(before, LedgerDump.Of(pg.Uri));
    }

    [Fact]
    public async Task TargetWithASingleRowInAnyTable_IsRefused()
    {
        var source = await SmallLedgerAsync("source.db");
        var target = _folder.File("target.db");
        TokenLedger.Open(Options(target)).Dispose();
        RawDb.Execute(target, "INSERT INTO pending_work (name) VALUES ('something')");

        var ex = await Assert.ThrowsAsync<StoreCopyException>(() => CopyAsync(source, target));

        Assert.Equal(StoreCopyFailure.TargetNotEmpty, ex.Failure);
        Assert.Contains("(1 row in pending_work)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, RawDb.Scalar(target, "SELECT COUNT(*) FROM transactions"));
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("missing folder")]
    [InlineData("zero bytes")]
    [InlineData("empty ledger")]
    public async Task EmptySqliteTargets_AreFine(string kind)
    {
        var source = await SmallLedgerAsync("source.db");
        var target = _folder.File(kind == "missing folder" ? Path.Combine("a", "b", "copy.db") : "copy.db");
        if (kind == "zero bytes")
        {
            await File.WriteAllBytesAsync(target, []);
        }
        else if (kind == "empty ledger")
        {
            TokenLedger.Open(Options(target)).Dispose();
        }

        var report = await CopyAsync(source, target);

        Assert.True(report.Ok, string.Join("\n", report.Verification.Problems));
        LedgerDump.AssertEqual(LedgerDump.Of(source), LedgerDump.Of(target));
    }

    [PostgresFact]
    public async Task EmptyPostgresTargets_NewOrMigrated_AreFine()
    {
        await using var bare = await TestPostgresDatabase.CreateAsync(Token);
        await using var migrated = await TestPostgresDatabase.CreateAsync(Token);
        TokenLedger.Open(Options(migrated.Uri)).Dispose();
        var source = await SmallLedgerAsync("source.db");

        var first = await CopyAsync(source, bare.Uri);
        var second = await CopyAsync(source, migrated.Uri);

        Assert.True(first.Ok && second.Ok);
        LedgerDump.AssertEqual(LedgerDump.Of(source), LedgerDump.Of(bare.Uri));
        LedgerDump.AssertEqual(LedgerDump.Of(source), LedgerDump.Of(migrated.Uri));
    }

    [Theory]
    [InlineData("same path")]
    [InlineData("relative")]
    [InlineData("dot-dot")]
    [InlineData("symbolic link")]
    public async Task SameSqliteLedger_IsRefused_AndLeftAsItWas(string spelling)
    {
        var source = await SmallLedgerAsync("source.db");
        var target = spelling switch
        {
            "relative" => Path.GetRelativePath(Environment.CurrentDirectory, source),
            "dot-dot" => Path.Combine(_folder.Path, "sub", "..", "source.db"),
            "symbolic link" => File.CreateSymbolicLink(_folder.File("link.db"), source).FullName,
            _ => source,
        };
        var before = FolderState.Of(_folder.Path);

        var ex = await Assert.ThrowsAsync<StoreCopyException>(() => CopyAsync(source, target));

        Assert.Equal(StoreCopyFailure.SameLedger, ex.Failure);
        Assert.Equal("The source and the target are the same ledger: a ledger cannot be copied onto itself.", ex.Message);
        Assert.Equal(before, FolderState.Of(_folder.Path));
    }

    [PostgresFact]
    public async Task SamePostgresDatabase_OtherwiseSpelled_IsRefused()
    {
        await using var pg = await TestPostgresDatabase.CreateAsync(Token);
        using (var ledger = TokenLedger.Open(Options(pg.Uri)))
        {
            await ledger.GrantAsync("alice", 5);
        }

        var ex = await Assert.ThrowsAsync<StoreCopyException>(() => CopyAsync(pg.Uri, pg.Uri + (pg.Uri.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "application_name=other"));

        Assert.Equal(StoreCopyFailure.SameLedger, ex.Failure);
    }

    [Fact]
    public async Task SourceWithATableTheCopyDoesNotKnow_IsRefusedNamingIt_BeforeTheTargetIsCreated()
    {
        var source = await SmallLedgerAsync("source.db");
        RawDb.Execute(source, "CREATE TABLE receipts (id TEXT NOT NULL PRIMARY KEY, body TEXT)");
        var target = _folder.File("copy.db");

        var ex = await Assert.ThrowsAsync<StoreCopyException>(() => CopyAsync(source, target));

        Assert.Equal(StoreCopyFailure.SchemaNotHandled, ex.Failure);
        Assert.Contains("table receipts, which this build does not know", ex.Message, StringComparison.Ordinal);
        Assert.StartsWith($"The source {source} does not have the schema this build copies", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public async Task SourceWithAColumnTheCopyDoesNotKnow_IsRefusedNamingIt()
    {
        var source = await SmallLedgerAsync("source.db");
        RawDb.Execute(source, "ALTER TABLE accounts ADD COLUMN nickname TEXT");

        var ex = await Assert.ThrowsAsync<StoreCopyException>(() => CopyAsync(source, _folder.File("copy.db")));

        Assert.Equal(StoreCopyFailure.SchemaNotHandled, ex.Failure);
        Assert.Contains("column accounts.nickname, which this build does not know", ex.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _folder.Dispose();
        _timeout.Dispose();
    }

    private static LedgerOptions Options(string location) => StoreMigrationRoundTripTests.Options(location);

    private Task<StoreMigrationReport> CopyAsync(string source, string target) =>
        StoreMigration.CopyAsync(Options(source), Options(target), cancellationToken: Token);

    private async Task<string> SmallLedgerAsync(string name, string user = "alice")
    {
        var path = _folder.File(name);
        using var ledger = TokenLedger.Open(Options(path));
        await ledger.GrantAsync(user, 100);
        return path;
    }
}
