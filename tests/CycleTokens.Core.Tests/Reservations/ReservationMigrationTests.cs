using CycleTokens.Core.Accounts;
using CycleTokens.Core.Budgets;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Keys;
using CycleTokens.Core.Reservations;
using CycleTokens.Core.Storage.Sqlite;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Reservations;

/// <summary>
/// Schema 5 adds <c>reservations</c> to an existing file without touching its journal; schema 6 moves the holds'
/// balances into their reservations (no <c>hold:</c> rows in <c>accounts</c>) and lists reservations through the journal.
/// </summary>
[Trait("Backend", "Sqlite")]
public sealed class ReservationMigrationTests
{
    [Fact]
    public async Task OpeningASchema4File_AddsTheReservationsTable_KeepsEverything_AndReservationsWork()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 300);
        await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step"));
        var path = Path.Combine(t.Folder, "v4.db");
        await t.Ledger.BackupAsync(path);
        RawDb.Execute(path, "DROP TABLE reservations; PRAGMA user_version = 4;");
        var transactions = RawDb.Scalar(path, "SELECT COUNT(*) FROM transactions");

        using var reopened = TokenLedger.Open(t.Options with { DatabasePath = path }, t.Clock, new SequentialIdGenerator("m"));

        Assert.Equal(Migrator.LatestVersion, RawDb.Scalar(path, "PRAGMA user_version"));
        Assert.Equal(transactions, LedgerChecks.Counts(path).Transactions);
        Assert.Equal(1, RawDb.Scalar(path, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'reservations' AND name LIKE 'ix_%'"));
        var reserved = await reopened.ReserveAsync("alice", new ReservationRequest("model.export.step"));
        var settled = await reopened.SettleReservationAsync("alice", reserved.Reservation.Id);
        Assert.Equal(1289, settled.BalanceAfter); // 1,290 less a cached step export (the charge above is in the cache the file kept)
        Assert.True((await reopened.VerifyAsync()).Ok);
    }

    [Fact]
    public async Task OpeningASchema5File_DropsTheHoldRows_KeepsEveryReservation_AndTheirEndsStillBalanceAndGiveBudgetBack()
    {
        using var t = new TestLedger();
        var budget = new Spender("key_test", new KeyBudget(null, 1000, null));
        var held = await t.Ledger.ReserveAsync("alice", new ReservationRequest("cam.cnc_toolpath") { Quantity = 2 }, budget); // 150
        var settled = await t.Ledger.ReserveAsync("alice", new ReservationRequest("ai.design_review"));
        await t.Ledger.SettleReservationAsync("alice", settled.Reservation.Id);
        var voided = await t.Ledger.ReserveAsync("alice", new ReservationRequest("cam.laser_path"));
        await t.Ledger.VoidReservationAsync("alice", voided.Reservation.Id);
        var path = Path.Combine(t.Folder, "v5.db");
        await t.Ledger.BackupAsync(path);
        // The file as schema 5 kept it: a row per hold with its balance, the account index, no budget_hold column.
        RawDb.Execute(path, """
            INSERT INTO accounts (id, kind, balance, created_ms)
              SELECT 'hold:' || id, 'hold', CASE WHEN status = 'held' THEN held ELSE 0 END, created_ms FROM reservations;
            CREATE INDEX ix_reservations_account ON reservations (account, created_ms);
            ALTER TABLE reservations DROP COLUMN budget_hold;
            PRAGMA user_version = 5;
            """);
        Assert.Equal(3, RawDb.Scalar(path, "SELECT COUNT(*) FROM accounts WHERE kind = 'hold'"));
        var transactions = RawDb.Scalar(path, "SELECT COUNT(*) FROM transactions");

        using var reopened = TokenLedger.Open(t.Options with { DatabasePath = path }, t.Clock, new SequentialIdGenerator("m"));

        Assert.Equal(Migrator.LatestVersion, RawDb.Scalar(path, "PRAGMA user_version"));
        Assert.Equal(0, RawDb.Scalar(path, "SELECT COUNT(*) FROM accounts WHERE kind = 'hold'"));
        Assert.Equal(0, RawDb.Scalar(path, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'ix_reservations_account'"));
        Assert.Equal(3, RawDb.Scalar(path, "SELECT COUNT(*) FROM reservations WHERE budget_hold = 1"));
        Assert.Equal(transactions, LedgerChecks.Counts(path).Transactions);
        Assert.True((await reopened.VerifyAsync()).Ok);
        Assert.Equal(
            [held.Reservation.Id, settled.Reservation.Id, voided.Reservation.Id],
            (await reopened.ListReservationsAsync("alice")).Select(r => r.Id));
        var accounts = await reopened.ListAccountsAsync(AccountKind.Hold);
        Assert.Equal(("hold:" + held.Reservation.Id, 150L), (Assert.Single(accounts.Accounts).Account, accounts.Accounts[0].Balance));

        // The hold made before the upgrade still ends as one: settled for 1 unit, its budget day keeps only that.
        await reopened.SettleReservationAsync("alice", held.Reservation.Id, quantity: 1);
        Assert.Equal(75, RawDb.Scalar(path, "SELECT amount FROM credential_spend WHERE credential = 'key_test'"));
        Assert.Equal(0, LedgerChecks.Balance(path, "hold:" + held.Reservation.Id));
        LedgerChecks.AssertBalanced(path);
        Assert.True((await reopened.VerifyAsync()).Ok);
    }
}
