using CycleTokens.Core.Charges;
using CycleTokens.Core.Reservations;
using CycleTokens.Core.Storage.Sqlite;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Reservations;

/// <summary>Schema 5 adds <c>reservations</c> to an existing file without touching its journal.</summary>
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

        Assert.Equal(5, Migrator.LatestVersion);
        Assert.Equal(Migrator.LatestVersion, RawDb.Scalar(path, "PRAGMA user_version"));
        Assert.Equal(transactions, LedgerChecks.Counts(path).Transactions);
        Assert.Equal(2, RawDb.Scalar(path, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'reservations' AND name LIKE 'ix_%'"));
        var reserved = await reopened.ReserveAsync("alice", new ReservationRequest("model.export.step"));
        var settled = await reopened.SettleReservationAsync("alice", reserved.Reservation.Id);
        Assert.Equal(1289, settled.BalanceAfter); // 1,290 less a cached step export (the charge above is in the cache the file kept)
        Assert.True((await reopened.VerifyAsync()).Ok);
    }
}
