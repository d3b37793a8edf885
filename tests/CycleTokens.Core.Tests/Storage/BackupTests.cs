using CycleTokens.Core.Charges;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Storage;

[Trait("Backend", "Sqlite")]
public sealed class BackupTests
{
    [Fact]
    public async Task Backup_WhileAnotherConnectionWrites_IsAConsistentVerifiableCopy()
    {
        using var t = new TestLedger();
        for (var i = 0; i < 200; i++)
        {
            await t.Ledger.SpendAsync("alice", 1, "op");
        }

        var writer = t.OpenAnother();
        var progress = new List<WorkProgress>();
        var target = Path.Combine(t.Folder, "backup", "copy.db");
        var writing = Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                await writer.ChargeAsync("bob", new ChargeRequest("model.export.stl") { Params = TestLedger.Json($$"""{"i":{{i}}}""") });
            }
        });
        await t.Ledger.BackupAsync(target, new Progress<WorkProgress>(progress.Add));
        await writing;

        using var copy = TokenLedger.Open(t.Options with { DatabasePath = target }, t.Clock);
        var report = await copy.VerifyAsync();
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.True(report.Transactions >= 201);
        Assert.Equal(800, (await copy.GetBalanceAsync("alice")).Total);
    }

    [Fact]
    public async Task Backup_ToAnExistingFile_IsRefusedAndLeavesItAlone()
    {
        using var t = new TestLedger();
        var target = Path.Combine(t.Folder, "exists.db");
        await File.WriteAllTextAsync(target, "keep me");

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.BackupAsync(target));

        Assert.Equal("file", ex.Field);
        Assert.Equal("keep me", await File.ReadAllTextAsync(target));
    }

    [Fact]
    public async Task Backup_ReportsProgressUpToAllPages()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 5);
        var reports = new List<WorkProgress>();

        await t.Ledger.BackupAsync(Path.Combine(t.Folder, "b.db"), new SyncProgress(reports.Add));

        Assert.NotEmpty(reports);
        Assert.Equal(reports[^1].Total, reports[^1].Done);
    }

    private sealed class SyncProgress(Action<WorkProgress> report) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value) => report(value);
    }
}
