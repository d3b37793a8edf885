using CycleTokens.Core.Keys;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Keys;

/// <summary>Revoking (final, idempotent) and updating keys (name, expiry, budget), with messages that name the field.</summary>
public sealed class KeyAdministrationTests
{
    [Fact]
    public async Task Revoke_MarksTheKeyRevokedNow()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateKeyAsync("alice");
        t.Clock.Advance(TimeSpan.FromHours(1));

        var result = await t.Ledger.RevokeKeyAsync(created.Key.Id);

        Assert.True(result.Changed);
        Assert.Equal(TestLedger.Start.AddHours(1), result.Key.RevokedAt);
        Assert.Equal(result.Key, (await t.Ledger.ListKeysAsync("alice")).Single());
    }

    [Fact]
    public async Task Revoke_Twice_IsNotAnError_KeepsTheFirstTime_AndWritesNothingMore()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateKeyAsync("alice");
        var first = await t.Ledger.RevokeKeyAsync(created.Key.Id);
        var before = LedgerChecks.Counts(t.DatabasePath);
        t.Clock.Advance(TimeSpan.FromHours(1));

        var second = await t.Ledger.RevokeKeyAsync(created.Key.Id);

        Assert.False(second.Changed);
        Assert.Equal(first.Key, second.Key);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
        Assert.Equal(1, LedgerChecks.CountKind(t.DatabasePath, "alice", "key_revoke"));
    }

    [Theory]
    [InlineData("key_999999", LedgerErrorCode.NotFound, "Key key_999999 not found")]
    [InlineData("key 1", LedgerErrorCode.InvalidArgument, "key_id must be an id returned by this server")]
    [InlineData("", LedgerErrorCode.InvalidArgument, "key_id must be an id returned by this server")]
    public async Task Revoke_OfNoSuchKey_FailsNamingKeyId_AndWritesNothing(string keyId, LedgerErrorCode code, string expected)
    {
        using var t = new TestLedger();
        await t.Ledger.CreateKeyAsync("alice");
        var before = LedgerChecks.Counts(t.DatabasePath);

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.RevokeKeyAsync(keyId));

        Assert.Equal(code, ex.Code);
        Assert.Equal("key_id", ex.Field);
        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
    }

    [Fact]
    public async Task Update_ChangesOnlyTheFieldsGiven()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateKeyAsync("alice", name: "old", expiresInDays: 5, budget: new KeyBudget(10, 100, 5));
        t.Clock.Advance(TimeSpan.FromDays(1));

        var result = await t.Ledger.UpdateKeyAsync(created.Key.Id, new KeyChanges { Name = Change<string?>.To("new"), MaxPerDay = Change<long?>.To(200) });

        Assert.True(result.Changed);
        Assert.Equal(created.Key with { Name = "new", Budget = new KeyBudget(10, 200, 5) }, result.Key);
        Assert.Equal(result.Key, (await t.Ledger.ListKeysAsync("alice")).Single());
    }

    [Fact]
    public async Task Update_WithNullValues_RemovesTheNameTheExpiryAndTheLimits()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateKeyAsync("alice", name: "old", expiresInDays: 5, budget: new KeyBudget(10, 100, 5));

        var result = await t.Ledger.UpdateKeyAsync(created.Key.Id, new KeyChanges
        {
            Name = Change<string?>.To(null),
            ExpiresInDays = Change<int?>.To(null),
            MaxPerCall = Change<long?>.To(null),
            MaxPerDay = Change<long?>.To(null),
            ConfirmAbove = Change<long?>.To(null),
        });

        Assert.Equal(created.Key with { Name = null, ExpiresAt = null, Budget = KeyBudget.None }, result.Key);
    }

    [Fact]
    public async Task Update_ExpiresInDays_CountsFromNow_AndRevivesAnExpiredKey()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateKeyAsync("alice", expiresInDays: 1);
        t.Clock.Advance(TimeSpan.FromDays(3));
        Assert.Equal(KeyAuthFailure.Expired, (await t.Ledger.AuthenticateAsync(created.Secret)).Failure);

        var result = await t.Ledger.UpdateKeyAsync(created.Key.Id, new KeyChanges { ExpiresInDays = Change<int?>.To(2) });

        Assert.Equal(TestLedger.Start.AddDays(5), result.Key.ExpiresAt);
        Assert.True((await t.Ledger.AuthenticateAsync(created.Secret)).Succeeded);
    }

    [Fact]
    public async Task Update_ToTheValuesTheKeyHas_ChangesNothing_AndWritesNothing()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateKeyAsync("alice", name: "same", budget: new KeyBudget(MaxPerCall: 10));
        var before = LedgerChecks.Counts(t.DatabasePath);

        var result = await t.Ledger.UpdateKeyAsync(created.Key.Id, new KeyChanges { Name = Change<string?>.To("same"), MaxPerCall = Change<long?>.To(10), ConfirmAbove = Change<long?>.To(null) });

        Assert.False(result.Changed);
        Assert.Equal(created.Key, result.Key);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
    }

    [Fact]
    public async Task Update_OfARevokedKey_FailsKeyRevoked_AndWritesNothing()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateKeyAsync("alice");
        await t.Ledger.RevokeKeyAsync(created.Key.Id);
        var before = LedgerChecks.Counts(t.DatabasePath);

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.UpdateKeyAsync(created.Key.Id, new KeyChanges { ExpiresInDays = Change<int?>.To(30) }));

        Assert.Equal(LedgerErrorCode.KeyRevoked, ex.Code);
        Assert.Equal("key_id", ex.Field);
        Assert.Equal($"Key {created.Key.Id} is revoked; a revoked key cannot be changed", ex.Message);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
        Assert.Equal(KeyAuthFailure.Revoked, (await t.Ledger.AuthenticateAsync(created.Secret)).Failure);
    }

    public static TheoryData<string, string> BadUpdates() => new()
    {
        { "none", "changes must set at least one of name, expires_in_days, max_per_call, max_per_day, confirm_above (got none)" },
        { "name", "name must be 1-100 characters" },
        { "expires", "expires_in_days must be a whole number from 1 to 3650 (got 0)" },
        { "max_per_call", "max_per_call must be a whole number from 0 to 1000000000000 (got -5)" },
        { "max_per_day", "max_per_day must be a whole number from 0 to 1000000000000 (got -5)" },
        { "confirm_above", "confirm_above must be a whole number from 0 to 1000000000000 (got 1000000000001)" },
    };

    [Theory]
    [MemberData(nameof(BadUpdates))]
    public async Task Update_WithABadValue_FailsNamingTheField_AndWritesNothing(string bad, string expected)
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreateKeyAsync("alice", name: "kept", budget: new KeyBudget(1, 2, 3));
        var before = LedgerChecks.Counts(t.DatabasePath);

        var changes = bad switch
        {
            "none" => new KeyChanges(),
            "name" => new KeyChanges { Name = Change<string?>.To(new string('x', 101)) },
            "expires" => new KeyChanges { ExpiresInDays = Change<int?>.To(0) },
            "max_per_call" => new KeyChanges { MaxPerCall = Change<long?>.To(-5) },
            "max_per_day" => new KeyChanges { Name = Change<string?>.To("fine"), MaxPerDay = Change<long?>.To(-5) },
            _ => new KeyChanges { ConfirmAbove = Change<long?>.To(1_000_000_000_001) },
        };
        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.UpdateKeyAsync(created.Key.Id, changes));

        Assert.Equal(LedgerErrorCode.InvalidArgument, ex.Code);
        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
        Assert.Equal(expected.Split(' ')[0], ex.Field);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
        Assert.Equal(created.Key, (await t.Ledger.ListKeysAsync("alice")).Single());
    }

    [Fact]
    public async Task Update_OfNoSuchKey_FailsNotFound()
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.UpdateKeyAsync("key_nope", new KeyChanges { Name = Change<string?>.To("x") }));

        Assert.Equal(LedgerErrorCode.NotFound, ex.Code);
        Assert.Equal("Key key_nope not found", ex.Message);
    }
}
