using CycleTokens.Core.Charges;
using CycleTokens.Core.Keys;
using Microsoft.Extensions.Time.Testing;

namespace CycleTokens.Core.Tests.Support;

/// <summary>Checks that a copy of a <see cref="FullLedger"/> behaves as the original would: through the engine, not the rows.</summary>
internal static class CopiedLedger
{
    /// <summary>
    /// On the copy at <paramref name="location"/>: the keyed charge and the keyed failure replay (nothing written), the
    /// active key authenticates and the revoked one does not, and a new charge chains onto the copied journal and verifies.
    /// </summary>
    public static async Task AssertBehavesAsTheOriginalAsync(string location, FullLedger original)
    {
        // Another id space than the original's: its ids are all in the copy.
        using var l = TokenLedger.Open(new LedgerOptions { DatabasePath = location }, new FakeTimeProvider(original.Now), new SequentialIdGenerator("copy"));
        var transactions = RawDb.Scalar(location, "SELECT COUNT(*) FROM transactions");
        var lastSeq = RawDb.Scalar(location, "SELECT MAX(seq) FROM transactions");
        var balance = await l.GetBalanceAsync(original.KeyedCharge.Account);

        var replay = await l.ChargeAsync(original.KeyedCharge.Account, original.KeyedCharge.Request);
        var failure = await Assert.ThrowsAsync<LedgerException>(() => l.SpendAsync(original.KeyedFailure.Account, original.KeyedFailure.Amount, original.KeyedFailure.Operation, idempotencyKey: original.KeyedFailure.Key));

        Assert.True(replay.Replayed);
        Assert.Equal(original.KeyedCharge.Result with { Replayed = true }, replay);
        Assert.Equal(LedgerErrorCode.InsufficientTokens, failure.Code);
        Assert.Equal(balance, await l.GetBalanceAsync(original.KeyedCharge.Account));
        Assert.Equal(transactions, RawDb.Scalar(location, "SELECT COUNT(*) FROM transactions"));

        var active = await l.AuthenticateAsync(original.ActiveKey.Secret);
        var revoked = await l.AuthenticateAsync(original.RevokedKey.Secret);
        Assert.True(active.Succeeded);
        Assert.Equal(original.ActiveKey.Key.Id, active.Key.Id);
        Assert.Equal(KeyAuthFailure.Revoked, revoked.Failure);

        var charge = await l.ChargeAsync("alice", new ChargeRequest("model.export.gltf"));
        var report = await l.VerifyAsync();

        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(lastSeq + 1, RawDb.Scalar(location, "SELECT seq FROM transactions WHERE id = $id", ("$id", charge.TransactionId)));
        Assert.Equal(transactions + 1, report.Transactions);
    }
}
