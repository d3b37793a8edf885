using CycleTokens.Core.Charges;
using CycleTokens.Core.Tests.Support;
using CycleTokens.Core.Verification;

namespace CycleTokens.Core.Tests.Verification;

/// <summary>
/// Issue 11: verification also runs SQLite's <c>PRAGMA integrity_check</c>, so damaged index or secondary pages (which
/// the journal scan never reads) make the report fail and are listed; a backup refuses to copy such a file unless forced.
/// </summary>
[Trait("Backend", "Sqlite")]
public sealed class IntegrityTests
{
    /// <summary>A closed ledger (no -wal) with a few transactions of alice, one of them a charge with params.</summary>
    private static async Task<VerificationReport> VerifyReadOnlyAsync(TestLedger t, string path)
    {
        using var ledger = TokenLedger.Open(t.Options with { DatabasePath = path, ReadOnly = true }, t.Clock);
        return await ledger.VerifyAsync();
    }

    private static async Task<string> ClosedLedgerAsync(TestLedger t)
    {
        await t.Ledger.SpendAsync("alice", 10, "model.export.step");
        await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.stl") { Params = TestLedger.Json("""{"mesh":"fine"}""") });
        var path = Path.Combine(t.Folder, "copy.db");
        await t.Ledger.BackupAsync(path);
        Assert.Equal(["ok"], Damage.IntegrityCheck(path));
        return path;
    }

    [Fact]
    public async Task DamagedIndexPage_FailsVerification_ListingTheIntegrityProblems()
    {
        using var t = new TestLedger();
        var path = await ClosedLedgerAsync(t);
        Damage.IndexEntries(path, "ix_tx_account_seq", "alice", "alicf");
        var integrity = Damage.IntegrityCheck(path);
        Assert.NotEqual(["ok"], integrity);

        var report = await VerifyReadOnlyAsync(t, path);

        Assert.False(report.Ok);
        Assert.False(report.IntegrityOk);
        // The journal itself (read through the table, not the index) is intact.
        Assert.True(report.HashChainOk);
        Assert.Equal(integrity.Select(p => "SQLite integrity check: " + p), report.Problems);
    }

    [Fact]
    public async Task DamagedPageOfATableTheJournalScanNeverReads_FailsVerification()
    {
        using var t = new TestLedger();
        var path = await ClosedLedgerAsync(t);
        Damage.FreeSpacePointer(path, "discount_cache");
        var integrity = Damage.IntegrityCheck(path);
        Assert.Contains(integrity, p => p.EndsWith(": free space corruption", StringComparison.Ordinal));

        var report = await VerifyReadOnlyAsync(t, path);

        Assert.False(report.Ok);
        Assert.False(report.IntegrityOk);
        Assert.True(report.HashChainOk);
        Assert.Equal(integrity.Select(p => "SQLite integrity check: " + p), report.Problems);
    }

    [Fact]
    public async Task DamagedJournalPage_IsReportedAsProblems_NotThrown()
    {
        using var t = new TestLedger();
        var path = await ClosedLedgerAsync(t);
        Damage.TablePageHeader(path, "postings");
        // Damage this bad stops SQLite's check itself with "malformed" after (or instead of) its findings.
        var integrity = Damage.IntegrityCheck(path);
        Assert.Equal("error: SQLite Error 11: 'database disk image is malformed'.", integrity[^1]);

        var report = await VerifyReadOnlyAsync(t, path);

        Assert.False(report.Ok);
        Assert.False(report.IntegrityOk);
        Assert.False(report.HashChainOk);
        Assert.Equal(
            [
                .. integrity[..^1].Select(p => "SQLite integrity check: " + p),
                "SQLite integrity check: the check could not finish: database disk image is malformed",
                "The journal could not be read to its end (database disk image is malformed): the file is damaged.",
            ],
            report.Problems);
    }

    [Fact]
    public async Task SoundLedger_PassesTheIntegrityCheck()
    {
        using var t = new TestLedger();
        await ClosedLedgerAsync(t);

        var report = await t.Ledger.VerifyAsync();

        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.True(report.IntegrityOk);
    }

    [Fact]
    public async Task BackupOfADamagedLedger_IsRefused_AndWritesNoFile()
    {
        using var t = new TestLedger();
        var path = await ClosedLedgerAsync(t);
        Damage.IndexEntries(path, "ix_tx_account_seq", "alice", "alicf");
        using var ledger = TokenLedger.Open(t.Options with { DatabasePath = path }, t.Clock);
        var target = Path.Combine(t.Folder, "backup-of-damaged.db");

        var ex = await Assert.ThrowsAsync<LedgerException>(() => ledger.BackupAsync(target));

        Assert.Equal(LedgerErrorCode.IntegrityCheckFailed, ex.Code);
        Assert.StartsWith("The ledger fails SQLite's integrity check (", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public async Task ForcedBackupOfADamagedLedger_CopiesItAsItIs()
    {
        using var t = new TestLedger();
        var path = await ClosedLedgerAsync(t);
        Damage.IndexEntries(path, "ix_tx_account_seq", "alice", "alicf");
        using var ledger = TokenLedger.Open(t.Options with { DatabasePath = path }, t.Clock);
        var target = Path.Combine(t.Folder, "forced.db");

        await ledger.BackupAsync(target, force: true);

        Assert.NotEqual(["ok"], Damage.IntegrityCheck(target));
    }
}
