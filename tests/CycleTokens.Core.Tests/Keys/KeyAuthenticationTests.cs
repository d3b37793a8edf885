using CycleTokens.Core.Keys;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Keys;

/// <summary>service.md §2: a presented secret authenticates as its key, or is refused as malformed, unknown, expired or revoked.</summary>
public sealed class KeyAuthenticationTests
{
    [Fact]
    public async Task Authenticate_WithAKeysSecret_ReturnsTheKey()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateKeyAsync("alice", KeyRole.Operator, "ops", 10, new KeyBudget(MaxPerDay: 900));

        var auth = await t.Ledger.AuthenticateAsync(created.Secret);

        Assert.True(auth.Succeeded);
        Assert.Null(auth.Failure);
        Assert.Equal(created.Key with { LastUsedAt = TestLedger.Start }, auth.Key);
    }

    [Fact]
    public async Task Authenticate_WithAWellFormedSecretNoKeyHas_IsUnknown()
    {
        using var t = new TestLedger();
        await t.Ledger.CreateKeyAsync("alice");

        var auth = await t.Ledger.AuthenticateAsync("ctk_" + new string('A', 43));

        Assert.False(auth.Succeeded);
        Assert.Null(auth.Key);
        Assert.Equal(KeyAuthFailure.Unknown, auth.Failure);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("ctk_")]
    [InlineData("Bearer ctk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("CTK_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("ctk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // 42
    [InlineData("ctk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // 44
    [InlineData("ctk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+")] // base64, not base64url
    [InlineData("ctk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("ctk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo")]
    public async Task Authenticate_WithSomethingNotShapedLikeASecret_IsMalformed(string? presented)
    {
        using var t = new TestLedger();

        var auth = await t.Ledger.AuthenticateAsync(presented);

        Assert.Equal(KeyAuthFailure.Malformed, auth.Failure);
    }

    [Fact]
    public async Task Authenticate_WithTheSecretAlteredInOneCharacter_IsUnknown()
    {
        using var t = new TestLedger();
        var secret = (await t.Ledger.CreateKeyAsync("alice")).Secret;
        var altered = secret[..^1] + (secret[^1] == 'A' ? 'B' : 'A');

        Assert.Equal(KeyAuthFailure.Unknown, (await t.Ledger.AuthenticateAsync(altered)).Failure);
    }

    [Fact]
    public async Task Authenticate_FromTheMomentOfExpiry_IsExpired()
    {
        using var t = new TestLedger();
        var secret = (await t.Ledger.CreateKeyAsync("alice", expiresInDays: 7)).Secret;

        t.Clock.Advance(TimeSpan.FromDays(7) - TimeSpan.FromMilliseconds(1));
        var before = await t.Ledger.AuthenticateAsync(secret);
        t.Clock.Advance(TimeSpan.FromMilliseconds(1));
        var at = await t.Ledger.AuthenticateAsync(secret);

        Assert.True(before.Succeeded);
        Assert.Equal(KeyAuthFailure.Expired, at.Failure);
    }

    [Fact]
    public async Task Authenticate_OfARevokedKey_IsRevoked_EvenOnceItHasAlsoExpired()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateKeyAsync("alice", expiresInDays: 1);
        await t.Ledger.RevokeKeyAsync(created.Key.Id);

        var revoked = await t.Ledger.AuthenticateAsync(created.Secret);
        t.Clock.Advance(TimeSpan.FromDays(2));
        var later = await t.Ledger.AuthenticateAsync(created.Secret);

        Assert.Equal(KeyAuthFailure.Revoked, revoked.Failure);
        Assert.Equal(KeyAuthFailure.Revoked, later.Failure);
    }

    [Fact]
    public async Task Revocation_ByAnotherConnection_RefusesTheVeryNextAuthentication()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateKeyAsync("alice");
        Assert.True((await t.Ledger.AuthenticateAsync(created.Secret)).Succeeded);

        // Another process sharing the file (the operator's command line) revokes the key.
        var other = t.OpenAnother();
        await other.RevokeKeyAsync(created.Key.Id);

        Assert.Equal(KeyAuthFailure.Revoked, (await t.Ledger.AuthenticateAsync(created.Secret)).Failure);
    }

    [Fact]
    public async Task AKeyCreatedByAnotherConnection_AuthenticatesAtOnce()
    {
        using var t = new TestLedger();
        var other = t.OpenAnother();

        var created = await other.CreateKeyAsync("alice");

        Assert.Equal(created.Key.Id, (await t.Ledger.AuthenticateAsync(created.Secret)).Key?.Id);
    }

    [Fact]
    public async Task Authenticate_RecordsTheLastUse_AtMostOnceAMinute()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateKeyAsync("alice");
        var commits = t.Ledger.CommitCount;

        var first = await t.Ledger.AuthenticateAsync(created.Secret);
        var afterFirst = t.Ledger.CommitCount;
        t.Clock.Advance(TimeSpan.FromSeconds(59));
        var second = await t.Ledger.AuthenticateAsync(created.Secret);
        var third = await t.Ledger.AuthenticateAsync(created.Secret);
        var afterBurst = t.Ledger.CommitCount;
        t.Clock.Advance(TimeSpan.FromSeconds(1));
        var fourth = await t.Ledger.AuthenticateAsync(created.Secret);

        Assert.Equal(commits + 1, afterFirst);
        Assert.Equal(afterFirst, afterBurst); // no write for the uses within the minute
        Assert.Equal(TestLedger.Start, first.Key!.LastUsedAt);
        Assert.Equal(TestLedger.Start, second.Key!.LastUsedAt);
        Assert.Equal(TestLedger.Start, third.Key!.LastUsedAt);
        Assert.Equal(TestLedger.Start.AddMinutes(1), fourth.Key!.LastUsedAt);
        Assert.Equal(TestLedger.Start.AddMinutes(1), (await t.Ledger.ListKeysAsync("alice")).Single().LastUsedAt);
        Assert.Equal(afterBurst + 1, t.Ledger.CommitCount);
    }

    [Fact]
    public async Task Authenticate_RefusedSecrets_RecordNoUse_AndWriteNothing()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateKeyAsync("alice", expiresInDays: 1);
        t.Clock.Advance(TimeSpan.FromDays(1));
        var before = LedgerChecks.Counts(t.DatabasePath);
        var commits = t.Ledger.CommitCount;

        await t.Ledger.AuthenticateAsync(created.Secret);
        await t.Ledger.AuthenticateAsync("ctk_" + new string('x', 43));
        await t.Ledger.AuthenticateAsync("nonsense");

        Assert.Equal(commits, t.Ledger.CommitCount);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
        Assert.Null((await t.Ledger.ListKeysAsync("alice")).Single().LastUsedAt);
    }

    [Fact]
    public async Task Authenticate_RecordingALastUse_AddsNothingToTheJournal()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateKeyAsync("alice");
        var transactions = LedgerChecks.Counts(t.DatabasePath).Transactions;

        await t.Ledger.AuthenticateAsync(created.Secret);

        Assert.Equal(transactions, LedgerChecks.Counts(t.DatabasePath).Transactions);
        Assert.True((await t.Ledger.VerifyAsync()).Ok);
    }
}
