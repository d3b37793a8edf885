using CycleTokens.Core.Migration;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Migration;

/// <summary>
/// Issue 13 item 4: <c>migrate-store</c> copies a ledger between SQLite and PostgreSQL, either way and between two of a
/// kind, row for row in every table, and the copy works as the original did.
/// </summary>
/// <remarks>Each test chooses its backends itself, so the class runs once (in the SQLite pass), not once per backend.</remarks>
[Trait("Backend", "Sqlite")]
public sealed class StoreMigrationRoundTripTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));
    private readonly TempFolder _folder = new();

    private CancellationToken Token => _timeout.Token;

    [PostgresFact]
    public async Task SqliteToPostgresAndBack_KeepsEveryRowOfEveryTable_AndEachCopyVerifies()
    {
        await using var pg = await TestPostgresDatabase.CreateAsync(Token);
        var source = _folder.File("source.db");
        var back = _folder.File("back.db");
        var full = await FullLedger.BuildAsync(source);
        var original = LedgerDump.Of(source);

        var there = await StoreMigration.CopyAsync(Options(source), Options(pg.Uri), cancellationToken: Token);
        var again = await StoreMigration.CopyAsync(Options(pg.Uri), Options(back), cancellationToken: Token);

        AssertEveryKindOfRow(original);
        LedgerDump.AssertEqual(original, LedgerDump.Of(pg.Uri));
        LedgerDump.AssertEqual(original, LedgerDump.Of(back));
        AssertReport(there, original);
        AssertReport(again, original);
        await CopiedLedger.AssertBehavesAsTheOriginalAsync(back, full);
    }

    [PostgresFact]
    public async Task SqliteToPostgres_TheCopyReplaysKeys_AuthenticatesKeys_AndChainsNewCharges()
    {
        await using var pg = await TestPostgresDatabase.CreateAsync(Token);
        var source = _folder.File("source.db");
        var full = await FullLedger.BuildAsync(source);
        await StoreMigration.CopyAsync(Options(source), Options(pg.Uri), cancellationToken: Token);
        var lastSeq = RawDb.Scalar(pg.Uri, "SELECT MAX(seq) FROM transactions");

        // The database gives the next seq itself past the copied ones, not 1 again (see 001_initial.sql).
        Assert.Equal(lastSeq + 1, RawDb.Scalar(pg.Uri, "SELECT nextval(pg_get_serial_sequence('transactions', 'seq'))"));
        await CopiedLedger.AssertBehavesAsTheOriginalAsync(pg.Uri, full);
    }

    [Fact]
    public async Task SqliteToSqlite_KeepsEveryRow_AndTheCopyBehavesAsTheOriginal()
    {
        var source = _folder.File("source.db");
        var target = _folder.File(Path.Combine("new-folder", "copy.db"));
        var full = await FullLedger.BuildAsync(source);
        var original = LedgerDump.Of(source);

        var report = await StoreMigration.CopyAsync(Options(source), Options(target), cancellationToken: Token);

        LedgerDump.AssertEqual(original, LedgerDump.Of(target));
        AssertReport(report, original);
        Assert.Equal(Path.GetFullPath(source), report.Source);
        Assert.Equal(Path.GetFullPath(target), report.Target);
        await CopiedLedger.AssertBehavesAsTheOriginalAsync(target, full);
    }

    [PostgresFact]
    public async Task PostgresToPostgres_KeepsEveryRow_AndTheCopyBehavesAsTheOriginal()
    {
        await using var from = await TestPostgresDatabase.CreateAsync(Token);
        await using var to = await TestPostgresDatabase.CreateAsync(Token);
        var full = await FullLedger.BuildAsync(from.Uri);
        var original = LedgerDump.Of(from.Uri);

        var report = await StoreMigration.CopyAsync(Options(from.Uri), Options(to.Uri), cancellationToken: Token);

        AssertEveryKindOfRow(original);
        LedgerDump.AssertEqual(original, LedgerDump.Of(to.Uri));
        AssertReport(report, original);
        await CopiedLedger.AssertBehavesAsTheOriginalAsync(to.Uri, full);
    }

    [Fact]
    public async Task Progress_CountsEveryRowOnce_UpToTheTotal()
    {
        var source = _folder.File("source.db");
        await FullLedger.BuildAsync(source);
        var reports = new List<WorkProgress>();

        var report = await StoreMigration.CopyAsync(Options(source), Options(_folder.File("copy.db")), new SyncProgress(reports.Add), cancellationToken: Token);

        Assert.NotEmpty(reports);
        Assert.All(reports, r => Assert.Equal(report.Rows, r.Total));
        Assert.Equal(reports.Select(r => r.Done).Order(), reports.Select(r => r.Done));
        Assert.Equal(report.Rows, reports[^1].Done);
    }

    public void Dispose()
    {
        _folder.Dispose();
        _timeout.Dispose();
    }

    internal static LedgerOptions Options(string location) => new() { DatabasePath = location };

    // The ledger really has a row of every kind the brief names, so an equal copy is a copy of all of them.
    private static void AssertEveryKindOfRow(SortedDictionary<string, List<string>> dump)
    {
        Assert.All(dump.Where(t => t.Key != "pending_work"), t => Assert.True(t.Value.Count > 0, $"{t.Key} is empty"));
        foreach (var status in new[] { "'held'", "'released'", "'cancelled'" })
        {
            Assert.Contains(dump["escrows"], row => row.Contains(status, StringComparison.Ordinal));
        }

        foreach (var status in new[] { "'pending'", "'completed'" })
        {
            Assert.Contains(dump["purchases"], row => row.Contains(status, StringComparison.Ordinal));
        }

        foreach (var kind in new[] { "'charge'", "'spend'", "'grant'", "'purchase'", "'allowance'", "'expiry'", "'refund'", "'escrow'", "'clear'", "'key_create'", "'key_update'", "'key_revoke'" })
        {
            Assert.Contains(dump["transactions"], row => row.Contains(" | " + kind + " | ", StringComparison.Ordinal));
        }

        Assert.Contains(dump["idempotency"], row => row.Contains("\"error\"", StringComparison.Ordinal));
        Assert.Equal(2, dump["usage_months"].Select(row => row.Split(" | ")[1]).Distinct().Count());
    }

    private static void AssertReport(StoreMigrationReport report, SortedDictionary<string, List<string>> original)
    {
        Assert.True(report.Ok, string.Join("\n", report.Verification.Problems));
        Assert.True(report.Verification.HashChainOk);
        Assert.Equal(original.Keys.Order(StringComparer.Ordinal), report.Tables.Select(t => t.Table).Order(StringComparer.Ordinal));
        Assert.All(report.Tables, t => Assert.Equal((original[t.Table].Count, original[t.Table].Count), (t.Source, t.Target)));
        Assert.Equal(original.Values.Sum(rows => rows.Count), report.Rows);
        Assert.Equal(original["transactions"].Count, report.Verification.Transactions);
    }

    private sealed class SyncProgress(Action<WorkProgress> report) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value) => report(value);
    }
}
