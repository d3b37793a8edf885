using CycleTokens.Core.Charges;
using CycleTokens.Core.Migration;
using CycleTokens.Core.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace CycleTokens.Core.Tests.Migration;

/// <summary>
/// Issue 13 item 4: a copy that fails part way leaves the target empty; the source is read in one snapshot while it
/// stays in use; what the copy cannot vouch for (a broken hash) is copied as stored and reported by the verification after.
/// </summary>
[Trait("Backend", "Sqlite")]
public sealed class StoreMigrationFailureTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));
    private readonly TempFolder _folder = new();

    private CancellationToken Token => _timeout.Token;

    [Fact]
    public async Task ValueOfTheWrongKind_InTheLastTable_FailsTheCopy_AndLeavesTheSqliteTargetEmpty()
    {
        var source = await FullAsync();
        // SQLite keeps text it cannot convert in an INTEGER column; api_keys is copied last, after everything else.
        RawDb.Execute(source, "UPDATE api_keys SET created_ms = 'soon'");
        var target = _folder.File("copy.db");

        var ex = await Assert.ThrowsAsync<StoreCopyException>(() => CopyAsync(source, target));

        Assert.Equal(StoreCopyFailure.BadValue, ex.Failure);
        Assert.Contains("holds a text in api_keys.created_ms (the row with id key_", ex.Message, StringComparison.Ordinal);
        Assert.All(LedgerDump.Of(target), t => Assert.Empty(t.Value));
    }

    [PostgresFact]
    public async Task ValueOfTheWrongKind_InTheLastTable_LeavesThePostgresTargetEmpty()
    {
        await using var pg = await TestPostgresDatabase.CreateAsync(Token);
        var source = await FullAsync();
        RawDb.Execute(source, "UPDATE api_keys SET max_per_call = 2.5 WHERE max_per_call IS NOT NULL");

        var ex = await Assert.ThrowsAsync<StoreCopyException>(() => CopyAsync(source, pg.Uri));

        Assert.Equal(StoreCopyFailure.BadValue, ex.Failure);
        Assert.Contains("holds a fraction in api_keys.max_per_call", ex.Message, StringComparison.Ordinal);
        Assert.All(LedgerDump.Of(pg.Uri), t => Assert.Empty(t.Value));
    }

    [PostgresFact]
    public async Task RowThePostgresTargetRefuses_FailsTheCopy_AndLeavesItEmpty()
    {
        await using var pg = await TestPostgresDatabase.CreateAsync(Token);
        var source = await FullAsync();
        // PostgreSQL text cannot hold NUL, SQLite's can: the COPY of api_keys fails after every other table went in.
        RawDb.Execute(source, "UPDATE api_keys SET name = 'a' || char(0) || 'b' WHERE name IS NOT NULL");

        var ex = await Assert.ThrowsAsync<StoreCopyException>(() => CopyAsync(source, pg.Uri));

        Assert.Equal(StoreCopyFailure.Failed, ex.Failure);
        Assert.StartsWith("Copying api_keys into postgresql://", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith("nothing was committed to the target.", ex.Message, StringComparison.Ordinal);
        Assert.All(LedgerDump.Of(pg.Uri), t => Assert.Empty(t.Value));
    }

    [Fact]
    public async Task Cancelled_AfterTheFirstTable_LeavesTheTargetEmpty()
    {
        var source = await FullAsync();
        var target = _folder.File("copy.db");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var reports = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => StoreMigration.CopyAsync(
            Options(source), Options(target), new SyncProgress(_ => { reports++; cancel.Cancel(); }), cancellationToken: cancel.Token));

        Assert.Equal(1, reports);
        Assert.All(LedgerDump.Of(target), t => Assert.Empty(t.Value));
    }

    [Fact]
    public Task SqliteSourceInUse_IsCopiedAsOneSnapshot() => SourceInUseAsync(_folder.File("source.db"), _folder.File("copy.db"));

    [PostgresFact]
    public async Task PostgresSourceInUse_IsCopiedAsOneSnapshot()
    {
        await using var from = await TestPostgresDatabase.CreateAsync(Token);
        await using var to = await TestPostgresDatabase.CreateAsync(Token);
        await SourceInUseAsync(from.Uri, to.Uri);
    }

    [Fact]
    public async Task BrokenHash_IsCopiedAsStored_AndTheVerificationAfterTheCopyReportsIt() =>
        await BrokenHashAsync(_folder.File("copy.db"));

    [PostgresFact]
    public async Task BrokenHash_CopiedToPostgres_IsReportedByItsVerification()
    {
        await using var pg = await TestPostgresDatabase.CreateAsync(Token);
        await BrokenHashAsync(pg.Uri);
    }

    [PostgresFact]
    public async Task PendingWork_IsCopied_AndDoneByThePostgresTargetsNextOpen()
    {
        await using var pg = await TestPostgresDatabase.CreateAsync(Token);
        var source = await FullAsync();
        var totals = RawRows.Joined(source, "SELECT account, month_key, operation, count, tokens FROM usage_months ORDER BY account, month_key, operation");
        // A file whose migration left the month totals to the engine, and that nothing has opened for writing since.
        RawDb.Execute(source, "DELETE FROM usage_months");
        RawDb.Execute(source, "INSERT INTO pending_work (name) VALUES ('usage_months')");

        var report = await CopyAsync(source, pg.Uri);
        Assert.True(report.Ok);
        Assert.Equal(1, RawDb.Scalar(pg.Uri, "SELECT COUNT(*) FROM pending_work"));
        TokenLedger.Open(Options(pg.Uri)).Dispose();

        Assert.Equal(0, RawDb.Scalar(pg.Uri, "SELECT COUNT(*) FROM pending_work"));
        Assert.Equal(totals, RawRows.Joined(pg.Uri, "SELECT account, month_key, operation, count, tokens FROM usage_months ORDER BY account, month_key, operation"));
    }

    public void Dispose()
    {
        _folder.Dispose();
        _timeout.Dispose();
    }

    private static LedgerOptions Options(string location) => StoreMigrationRoundTripTests.Options(location);

    private Task<StoreMigrationReport> CopyAsync(string source, string target) =>
        StoreMigration.CopyAsync(Options(source), Options(target), cancellationToken: Token);

    private async Task<string> FullAsync()
    {
        var path = _folder.File("source.db");
        await FullLedger.BuildAsync(path);
        return path;
    }

    /// <summary>Another connection writes to the source while the copy runs: the copy holds the state before it, whole.</summary>
    private async Task SourceInUseAsync(string source, string target)
    {
        var full = await FullLedger.BuildAsync(source);
        var before = LedgerDump.Of(source);
        using var server = TokenLedger.Open(Options(source), new FakeTimeProvider(full.Now), new SequentialIdGenerator("server"));
        var written = 0;

        var report = await StoreMigration.CopyAsync(
            Options(source),
            Options(target),
            new SyncProgress(_ =>
            {
                if (written++ == 0)
                {
                    server.ChargeAsync("alice", new ChargeRequest("model.export.obj")).GetAwaiter().GetResult();
                }
            }),
            cancellationToken: Token);

        Assert.True(report.Ok, string.Join("\n", report.Verification.Problems));
        LedgerDump.AssertEqual(before, LedgerDump.Of(target));
        Assert.Equal(before["transactions"].Count + 1L, RawDb.Scalar(source, "SELECT COUNT(*) FROM transactions"));
    }

    private async Task BrokenHashAsync(string target)
    {
        var source = await FullAsync();
        var broken = Enumerable.Repeat((byte)0xAB, 32).ToArray();
        RawDb.Execute(source, "UPDATE transactions SET hash = $hash WHERE seq = 5", ("$hash", broken));

        var report = await CopyAsync(source, target);

        Assert.False(report.Ok);
        Assert.True(report.CountsMatch);
        Assert.False(report.Verification.HashChainOk);
        // Row 5 no longer matches its own contents, and row 6 no longer chains from it.
        Assert.Equal(2, report.Verification.Problems.Count);
        Assert.EndsWith("(seq 5): stored hash does not match the recomputed chain.", report.Verification.Problems[0], StringComparison.Ordinal);
        Assert.EndsWith("(seq 6): stored hash does not match the recomputed chain.", report.Verification.Problems[1], StringComparison.Ordinal);
        Assert.Equal(broken, (byte[])RawRows.Query(target, "SELECT hash FROM transactions WHERE seq = 5")[0][0]!);
    }

    private sealed class SyncProgress(Action<WorkProgress> report) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value) => report(value);
    }
}
