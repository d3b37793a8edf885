using CycleTokens.Core.Charges;
using CycleTokens.Core.History;
using CycleTokens.Core.Storage.Sqlite;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Storage.Sqlite;

/// <summary>
/// usage_months (schema 2): whole-month usage read from the per-month totals must always equal what the journal scan
/// counts — through charges, spends, refunds, clears, month turns, other time zones and the migration of a version 1 file.
/// </summary>
[Trait("Backend", "Sqlite")]
public sealed class UsageMonthsTests
{
    private const string User = "alice";
    private static readonly DateTimeOffset March = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset April = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task MonthUsage_AfterRandomChargesSpendsRefundsAndClears_EqualsTheJournalScan()
    {
        using var t = new TestLedger(start: new DateTimeOffset(2026, 2, 25, 12, 0, 0, TimeSpan.Zero));
        await t.Ledger.GrantAsync(User, 1_000_000);
        var random = new Random(42);
        var charged = new List<string>();
        string[] operations = ["model.export.step", "ai.design_review", "cam.slice.model", "unknown.op"];
        for (var i = 0; i < 300; i++)
        {
            var roll = random.Next(100);
            if (roll < 45)
            {
                var result = await t.Ledger.ChargeAsync(User, new ChargeRequest(operations[random.Next(operations.Length)]) { Quantity = random.Next(1, 20) });
                charged.Add(result.TransactionId);
            }
            else if (roll < 75)
            {
                var result = await t.Ledger.SpendAsync(User, random.Next(0, 50) + 1, operations[random.Next(operations.Length)]);
                charged.Add(result.TransactionId);
            }
            else if (roll < 90 && charged.Count > 0)
            {
                var id = charged[random.Next(charged.Count)];
                charged.Remove(id);
                await t.Ledger.RefundAsync(id, "test");
            }
            else if (roll < 92)
            {
                await t.Ledger.ClearAccountAsync(User, "clear " + User);
                await t.Ledger.GrantAsync(User, 1_000_000);
                charged.Clear();
            }
            else
            {
                t.Clock.Advance(TimeSpan.FromHours(random.Next(1, 30)));
            }

            if (i % 25 == 0)
            {
                await AssertAgreesAsync(t);
            }
        }

        await AssertAgreesAsync(t);
    }

    [Fact]
    public async Task MonthUsage_InAnotherTimeZone_CountsByThatZonesCalendar()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        // 2026-03-31 23:30 in Paris is 21:30 UTC: March there; an hour later it is April in Paris, still March in UTC.
        using var t = new TestLedger(new LedgerOptions { DatabasePath = "unused", MonthTimeZone = zone }, new DateTimeOffset(2026, 3, 31, 21, 30, 0, TimeSpan.Zero));
        await t.Ledger.SpendAsync(User, 7, "model.export.step");
        t.Clock.Advance(TimeSpan.FromHours(1));
        await t.Ledger.SpendAsync(User, 5, "model.export.step");

        var april = await t.Ledger.GetUsageAsync(User);

        Assert.Equal(5, april.Used);
        await AssertAgreesAsync(t);
        var parisMarch = new DateTimeOffset(2026, 2, 28, 23, 0, 0, TimeSpan.Zero);
        var parisApril = new DateTimeOffset(2026, 3, 31, 22, 0, 0, TimeSpan.Zero);
        Assert.Equal(7, (await t.Ledger.GetUsageAsync(User, parisMarch, parisApril)).Used);
    }

    [Fact]
    public async Task Usage_ForSeveralWholeMonths_SumsTheirTotals()
    {
        using var t = new TestLedger(start: new DateTimeOffset(2026, 2, 20, 9, 0, 0, TimeSpan.Zero));
        await t.Ledger.SpendAsync(User, 7, "model.export.step");
        t.Clock.Advance(TimeSpan.FromDays(23));
        await t.Ledger.SpendAsync(User, 5, "model.export.step");
        await t.Ledger.SpendAsync(User, 3, "cam.slice.model");

        var both = await t.Ledger.GetUsageAsync(User, new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero), April);
        var scanned = await t.Ledger.ScanUsageAsync(User, new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero), April);

        Assert.Equal(15, both.Used);
        Assert.Equal(Shape(scanned), Shape(both));
    }

    [Fact]
    public async Task OpeningAVersion1File_FillsUsageMonthsFromTheJournal_AndDropsTheUnusedPostingsIndex()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync(User, 10_000);
        var first = await t.Ledger.ChargeAsync(User, new ChargeRequest("model.export.step") { Quantity = 3 });
        await t.Ledger.SpendAsync(User, 40, "cam.slice.model");
        await t.Ledger.SpendAsync(User, 25, "cam.slice.model");
        await t.Ledger.RefundAsync(first.TransactionId, "test");
        await t.Ledger.SpendAsync("bob", 9, "ai.design_review");
        var before = await t.Ledger.GetUsageAsync(User);
        var path = Path.Combine(t.Folder, "v1.db");
        await t.Ledger.BackupAsync(path);

        // What a version 1 file looks like.
        RawDb.Execute(path, "DROP TABLE reservations; DROP TABLE low_balance; DROP TABLE budget_holds; DROP TABLE credential_spend; DROP TABLE api_keys; DROP TABLE usage_months; DROP TABLE pending_work; CREATE INDEX ix_postings_account ON postings (account, tx_seq); PRAGMA user_version = 1;");
        using var reopened = TokenLedger.Open(t.Options with { DatabasePath = path }, t.Clock);

        Assert.Equal(Migrator.LatestVersion, RawDb.Scalar(path, "PRAGMA user_version"));
        Assert.Equal(0, RawDb.Scalar(path, "SELECT COUNT(*) FROM pending_work"));
        Assert.Equal(0, RawDb.Scalar(path, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'ix_postings_account'"));
        Assert.Equal(Shape(before), Shape(await reopened.GetUsageAsync(User)));
        Assert.Equal(9, (await reopened.GetUsageAsync("bob")).Used);
        Assert.Equal(2, RawDb.Scalar(path, "SELECT COUNT(*) FROM usage_months")); // refunded charges are not counted at all
        Assert.Empty((await reopened.VerifyAsync()).Problems);
    }

    [Fact]
    public async Task OpeningAVersion1FileWithoutCharges_LeavesNoPendingWork()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync(User, 10_000);
        var path = Path.Combine(t.Folder, "v1.db");
        await t.Ledger.BackupAsync(path);
        RawDb.Execute(path, "DROP TABLE reservations; DROP TABLE low_balance; DROP TABLE budget_holds; DROP TABLE credential_spend; DROP TABLE api_keys; DROP TABLE usage_months; DROP TABLE pending_work; CREATE INDEX ix_postings_account ON postings (account, tx_seq); PRAGMA user_version = 1;");

        using var reopened = TokenLedger.Open(t.Options with { DatabasePath = path }, t.Clock);

        Assert.Equal(0, RawDb.Scalar(path, "SELECT COUNT(*) FROM pending_work"));
        Assert.Equal(0, (await reopened.GetUsageAsync(User)).Used);
    }

    [Fact]
    public async Task PendingFill_IsDoneOnceByWhicheverConnectionOpensFirst()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync(User, 40, "cam.slice.model");
        RawDb.Execute(t.DatabasePath, "DELETE FROM usage_months; INSERT INTO pending_work (name) VALUES ('usage_months');");

        var other = t.OpenAnother();
        var again = t.OpenAnother(idTag: "c");

        Assert.Equal(0, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM pending_work"));
        Assert.Equal(40, (await again.GetUsageAsync(User)).Used);
        Assert.Equal(1, RawDb.Scalar(t.DatabasePath, "SELECT COUNT(*) FROM usage_months"));
        Assert.Equal(40, (await other.GetBalanceAsync(User)).UsedThisMonth);
    }

    private static async Task AssertAgreesAsync(TestLedger t)
    {
        var fromTotals = await t.Ledger.GetUsageAsync(User);
        var scanned = await t.Ledger.ScanUsageAsync(User, fromTotals.Since, fromTotals.Until);
        Assert.Equal(Shape(scanned), Shape(fromTotals));
        Assert.Equal(scanned.Used, (await t.Ledger.GetBalanceAsync(User)).UsedThisMonth);
    }

    private static string Shape(UsageReport usage) =>
        $"{usage.Since:O}..{usage.Until:O} used {usage.Used}: " + string.Join("; ", usage.ByOperation.Select(o => $"{o.Operation} x{o.Count} = {o.TotalTokens} ({o.AveragePerOp})"));
}
