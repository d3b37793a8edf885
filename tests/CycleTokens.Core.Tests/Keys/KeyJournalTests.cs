using CycleTokens.Core.Charges;
using CycleTokens.Core.History;
using CycleTokens.Core.Keys;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Keys;

/// <summary>
/// Creating, revoking and updating a key are administrative journal rows: chained and verified, no postings, nothing
/// moved — and no part of an account's token history, exports, usage or journal position.
/// </summary>
public sealed class KeyJournalTests
{
    [Fact]
    public async Task KeyChanges_AreJournalRowsOfTypeAdmin_WithNoPostings_AndTheBalanceUnchanged()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 250);
        var created = await t.Ledger.CreateKeyAsync("alice", name: "ci", expiresInDays: 2, budget: new KeyBudget(MaxPerCall: 40));
        await t.Ledger.UpdateKeyAsync(created.Key.Id, new KeyChanges { MaxPerCall = Change<long?>.To(null), Name = Change<string?>.To("ci-2") });
        await t.Ledger.RevokeKeyAsync(created.Key.Id);

        var rows = RawRows.Query(
            t.DatabasePath,
            """
            SELECT kind, type, account, amount, balance_after, ref, details, operation, counterparty,
                   (SELECT COUNT(*) FROM postings p WHERE p.tx_seq = t.seq)
              FROM transactions t WHERE type = 'admin' ORDER BY seq
            """);

        Assert.Equal(["key_create", "key_update", "key_revoke"], rows.Select(r => (string)r[0]!));
        Assert.All(rows, r =>
        {
            Assert.Equal("alice", r[2]);
            Assert.Equal(0L, r[3]);
            Assert.Equal(1250L, r[4]);
            Assert.Equal(created.Key.Id, r[5]);
            Assert.Null(r[7]);
            Assert.Null(r[8]);
            Assert.Equal(0L, r[9]);
        });
        Assert.Equal(
            $$"""{"role":"agent","name":"ci","expires_ms":{{TestLedger.Start.AddDays(2).ToUnixTimeMilliseconds()}},"max_per_call":40,"max_per_day":null,"confirm_above":null}""",
            rows[0][6]);
        Assert.Equal("""{"name":"ci-2","max_per_call":null}""", rows[1][6]);
        Assert.Null(rows[2][6]);
        Assert.DoesNotContain(created.Secret, string.Join("|", rows.SelectMany(r => r).Select(v => v?.ToString())), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AfterKeyChanges_TheLedgerVerifies_AndThePostingsStillBalance()
    {
        using var t = new TestLedger();
        await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step"));
        var a = await t.Ledger.CreateKeyAsync("alice");
        var b = await t.Ledger.CreateKeyAsync("bob", KeyRole.Operator);
        await t.Ledger.UpdateKeyAsync(a.Key.Id, new KeyChanges { ConfirmAbove = Change<long?>.To(100) });
        await t.Ledger.RevokeKeyAsync(b.Key.Id);
        await t.Ledger.SpendAsync("alice", 5, "cam.slice.model");

        var report = await t.Ledger.VerifyAsync();

        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.True(report.HashChainOk);
        Assert.Equal(0, report.PostingsSum);
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task AKeyRowEditedBehindTheLedgersBack_FailsVerification()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateKeyAsync("alice", budget: new KeyBudget(MaxPerDay: 10));
        RawDb.Execute(t.DatabasePath, "UPDATE transactions SET details = replace(details, '10', '99999') WHERE kind = 'key_create'");

        var report = await t.Ledger.VerifyAsync();

        Assert.False(report.HashChainOk);
        Assert.Contains(report.Problems, p => p.Contains("stored hash does not match", StringComparison.Ordinal));
        Assert.NotNull(created);
    }

    [Fact]
    public async Task HistoryExportsAndUsage_LeaveKeyChangesOut()
    {
        using var t = new TestLedger();
        await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step"));
        var history = await t.Ledger.GetHistoryAsync("alice", new HistoryQuery());
        var csv = await t.Ledger.ExportCsvAsync("alice");
        var export = await t.Ledger.ExportAccountAsync("alice");
        var usage = await t.Ledger.GetUsageAsync("alice");
        var week = await t.Ledger.GetUsageAsync("alice", TestLedger.Start.AddDays(-7), TestLedger.Start.AddDays(1));
        var position = await t.Ledger.GetJournalPositionAsync("alice");

        var created = await t.Ledger.CreateKeyAsync("alice", name: "x");
        await t.Ledger.UpdateKeyAsync(created.Key.Id, new KeyChanges { Name = Change<string?>.To("y") });
        await t.Ledger.RevokeKeyAsync(created.Key.Id);

        Assert.Equal(Ids(history.Transactions), Ids((await t.Ledger.GetHistoryAsync("alice", new HistoryQuery())).Transactions));
        Assert.Single((await t.Ledger.GetHistoryAsync("alice", new HistoryQuery { Type = TransactionType.Credit })).Transactions);
        Assert.Equal(csv, await t.Ledger.ExportCsvAsync("alice"));
        Assert.Equal(Ids(export.Transactions), Ids((await t.Ledger.ExportAccountAsync("alice")).Transactions));
        Assert.Equal(usage.Used, (await t.Ledger.GetUsageAsync("alice")).Used);
        Assert.Equal(Shape(week), Shape(await t.Ledger.GetUsageAsync("alice", TestLedger.Start.AddDays(-7), TestLedger.Start.AddDays(1))));
        Assert.Equal(position, await t.Ledger.GetJournalPositionAsync("alice"));
        Assert.Equal(3, LedgerChecks.CountKind(t.DatabasePath, "alice", "key_create") + LedgerChecks.CountKind(t.DatabasePath, "alice", "key_update") + LedgerChecks.CountKind(t.DatabasePath, "alice", "key_revoke"));
    }

    [Fact]
    public async Task HistoryPaging_StepsOverKeyChanges()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync("alice", 1, "a");
        await t.Ledger.CreateKeyAsync("alice");
        await t.Ledger.SpendAsync("alice", 2, "b");
        await t.Ledger.CreateKeyAsync("alice");
        await t.Ledger.SpendAsync("alice", 3, "c");

        var seen = new List<string?>();
        string? cursor = null;
        do
        {
            var page = await t.Ledger.GetHistoryAsync("alice", new HistoryQuery { Limit = 1, Cursor = cursor });
            seen.AddRange(page.Transactions.Select(x => x.Operation));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(["c", "b", "a", null], seen); // the three spends, then the allowance
    }

    [Fact]
    public async Task RefundingAKeyRow_IsRefused_AsNotAChargeOrSpend()
    {
        using var t = new TestLedger();
        await t.Ledger.CreateKeyAsync("alice");
        var id = RawRows.Text(t.DatabasePath, "SELECT id FROM transactions WHERE kind = 'key_create'")!;
        var before = LedgerChecks.Counts(t.DatabasePath);

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.RefundAsync(id, "test"));

        Assert.Equal("transaction_id must name a charge or spend (got key_create)", ex.Message);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
    }

    [Fact]
    public async Task ClearingAnAccount_KeepsItsKeys()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateKeyAsync("alice");

        await t.Ledger.ClearAccountAsync("alice", "clear alice");

        Assert.True((await t.Ledger.AuthenticateAsync(created.Secret)).Succeeded);
        Assert.True((await t.Ledger.VerifyAsync()).Ok);
    }

    private static List<string> Ids(IEnumerable<TransactionRecord> transactions) => [.. transactions.Select(x => x.Id)];

    private static List<(string, long, long)> Shape(UsageReport usage) => [.. usage.ByOperation.Select(o => (o.Operation, o.Count, o.TotalTokens))];
}
