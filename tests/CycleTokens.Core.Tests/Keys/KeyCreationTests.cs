using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using CycleTokens.Core.Keys;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Keys;

/// <summary>service.md §2: keys issued by an operator; the secret is shown once and only its hash is stored.</summary>
public sealed class KeyCreationTests
{
    [Fact]
    public async Task CreateKey_ReturnsCtkAndTheBase64UrlOf32RandomBytes()
    {
        using var t = new TestLedger();

        var created = await t.Ledger.CreateKeyAsync("alice");

        Assert.Matches("^ctk_[A-Za-z0-9_-]{43}$", created.Secret);
        var random = Base64Url.DecodeFromChars(created.Secret.AsSpan(4));
        Assert.Equal(32, random.Length); // 256 bits
        Assert.Equal(created.Secret[4..], Base64Url.EncodeToString(random)); // no padding, canonical
    }

    [Fact]
    public async Task CreateKey_GivesEveryKeyItsOwnSecret()
    {
        using var t = new TestLedger();
        var secrets = new HashSet<string>(StringComparer.Ordinal);

        for (var i = 0; i < 20; i++)
        {
            secrets.Add((await t.Ledger.CreateKeyAsync("alice")).Secret);
        }

        Assert.Equal(20, secrets.Count);
    }

    [Fact]
    [Trait("Backend", "Sqlite")]
    public async Task CreateKey_StoresOnlyTheSecretsHash_TheSecretIsNowhereInTheFiles()
    {
        using var t = new TestLedger();

        var created = await t.Ledger.CreateKeyAsync("alice", name: "laptop");

        var files = LedgerFiles(t).ToList();
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(created.Secret));
        Assert.Contains(files, bytes => Contains(bytes, hash)); // the search finds what is stored...
        Assert.Contains(files, bytes => Contains(bytes, "laptop"u8.ToArray()));
        Assert.DoesNotContain(files, bytes => Contains(bytes, Encoding.ASCII.GetBytes(created.Secret))); // ...and the secret is not
        Assert.DoesNotContain(files, bytes => Contains(bytes, Encoding.ASCII.GetBytes(created.Secret[4..])));
        Assert.DoesNotContain(files, bytes => Contains(bytes, Base64Url.DecodeFromChars(created.Secret.AsSpan(4))));
        Assert.Equal(Convert.ToHexString(hash), RawRows.Text(t.DatabasePath, "SELECT hex(secret_hash) FROM api_keys"));
    }

    [Fact]
    public async Task CreateKey_ReturnsTheStoredKey_WithAnIdFromTheInjectedGenerator()
    {
        using var t = new TestLedger();

        var created = await t.Ledger.CreateKeyAsync("alice", KeyRole.Agent, "ci runner", expiresInDays: 30, new KeyBudget(100, 5000, 50));

        var key = created.Key;
        Assert.Matches("^key_[0-9]+$", key.Id);
        Assert.Equal("alice", key.Account);
        Assert.Equal(KeyRole.Agent, key.Role);
        Assert.Equal("ci runner", key.Name);
        Assert.Equal(TestLedger.Start, key.CreatedAt);
        Assert.Equal(TestLedger.Start.AddDays(30), key.ExpiresAt);
        Assert.Null(key.RevokedAt);
        Assert.Null(key.LastUsedAt);
        Assert.Equal(new KeyBudget(100, 5000, 50), key.Budget);
        Assert.Equal([key], await t.Ledger.ListKeysAsync("alice"));
    }

    [Fact]
    public async Task CreateKey_WithoutOptions_IsAnAgentKeyWithNoNameExpiryOrLimits()
    {
        using var t = new TestLedger();

        var key = (await t.Ledger.CreateKeyAsync("alice")).Key;

        Assert.Equal(KeyRole.Agent, key.Role);
        Assert.Null(key.Name);
        Assert.Null(key.ExpiresAt);
        Assert.Equal(KeyBudget.None, key.Budget);
    }

    [Fact]
    public async Task CreateKey_ForAnAccountThatDoesNotExist_CreatesTheUserAsAGrantWould()
    {
        using var t = new TestLedger();

        await t.Ledger.CreateKeyAsync("bob", KeyRole.Operator);

        var balance = await t.Ledger.GetBalanceAsync("bob", Core.Accounts.MissingUser.Refuse);
        Assert.Equal(1000, balance.Total);
        Assert.Equal(Core.Accounts.Tier.Free, balance.Tier.Tier);
    }

    [Fact]
    public async Task ListKeys_WithoutAnAccount_ListsEveryAccountsKeysOldestFirst()
    {
        using var t = new TestLedger();
        var a = await t.Ledger.CreateKeyAsync("alice");
        t.Clock.Advance(TimeSpan.FromSeconds(1));
        var b = await t.Ledger.CreateKeyAsync("bob", KeyRole.Operator);
        t.Clock.Advance(TimeSpan.FromSeconds(1));
        var c = await t.Ledger.CreateKeyAsync("alice");

        Assert.Equal([a.Key.Id, b.Key.Id, c.Key.Id], (await t.Ledger.ListKeysAsync()).Select(k => k.Id));
        Assert.Equal([a.Key.Id, c.Key.Id], (await t.Ledger.ListKeysAsync("alice")).Select(k => k.Id));
    }

    [Fact]
    public async Task ListKeys_OfAnAccountThatDoesNotExist_FailsNotFound_AndCreatesNothing()
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ListKeysAsync("ghost"));

        Assert.Equal(LedgerErrorCode.NotFound, ex.Code);
        Assert.Equal("account 'ghost' does not exist", ex.Message);
        Assert.False(LedgerChecks.Exists(t.DatabasePath, "ghost"));
    }

    [Fact]
    public async Task ListKeys_OfAnAccountWithoutKeys_IsEmpty()
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 5);

        Assert.Empty(await t.Ledger.ListKeysAsync("alice"));
    }

    public static TheoryData<string, string> BadCreations() => new()
    {
        { "role", "role must be agent or operator (got 7)" },
        { "name", "name must be 1-100 characters of valid Unicode with no control characters" },
        { "name-empty", "name must be 1-100 characters" },
        { "name-control", "name must be 1-100 characters" },
        { "expires-0", "expires_in_days must be a whole number from 1 to 3650 (got 0)" },
        { "expires-3651", "expires_in_days must be a whole number from 1 to 3650 (got 3651)" },
        { "max_per_call", "max_per_call must be a whole number from 0 to 1000000000000 (got -1)" },
        { "max_per_day", "max_per_day must be a whole number from 0 to 1000000000000 (got -1)" },
        { "confirm_above", "confirm_above must be a whole number from 0 to 1000000000000 (got -1)" },
        { "account", "account must not start with a reserved prefix" },
        { "account-chars", "account must be 1-64 characters" },
    };

    [Theory]
    [MemberData(nameof(BadCreations))]
    public async Task CreateKey_WithABadArgument_FailsNamingIt_AndWritesNothing(string bad, string expected)
    {
        using var t = new TestLedger();
        await t.Ledger.GrantAsync("alice", 5);
        var before = LedgerChecks.Counts(t.DatabasePath);

        var ex = await Assert.ThrowsAsync<LedgerException>(() => bad switch
        {
            "role" => t.Ledger.CreateKeyAsync("alice", (KeyRole)7),
            "name" => t.Ledger.CreateKeyAsync("alice", name: new string('n', 101)),
            "name-empty" => t.Ledger.CreateKeyAsync("alice", name: string.Empty),
            "name-control" => t.Ledger.CreateKeyAsync("alice", name: "a\nb"),
            "expires-0" => t.Ledger.CreateKeyAsync("alice", expiresInDays: 0),
            "expires-3651" => t.Ledger.CreateKeyAsync("alice", expiresInDays: 3651),
            "max_per_call" => t.Ledger.CreateKeyAsync("alice", budget: new KeyBudget(MaxPerCall: -1)),
            "max_per_day" => t.Ledger.CreateKeyAsync("alice", budget: new KeyBudget(MaxPerDay: -1)),
            "confirm_above" => t.Ledger.CreateKeyAsync("alice", budget: new KeyBudget(ConfirmAbove: -1)),
            "account" => t.Ledger.CreateKeyAsync("system:grants"),
            _ => t.Ledger.CreateKeyAsync("al ice"),
        });

        Assert.Equal(LedgerErrorCode.InvalidArgument, ex.Code);
        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
        Assert.Equal(expected.Split(' ')[0], ex.Field);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
    }

    [Fact]
    public async Task CreateKey_WithZeroLimits_KeepsThemAsLimits()
    {
        using var t = new TestLedger();

        var key = (await t.Ledger.CreateKeyAsync("alice", budget: new KeyBudget(0, 0, 0))).Key;

        Assert.Equal(new KeyBudget(0, 0, 0), (await t.Ledger.ListKeysAsync("alice")).Single().Budget);
        Assert.Equal(new KeyBudget(0, 0, 0), key.Budget);
    }

    private static IEnumerable<byte[]> LedgerFiles(TestLedger t) =>
        new[] { "", "-wal", "-shm" }
            .Select(suffix => t.DatabasePath + suffix)
            .Where(File.Exists)
            .Select(path =>
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                return copy.ToArray();
            });

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
