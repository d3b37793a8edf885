using CycleTokens.Core.Accounts;
using CycleTokens.Core.Events;
using CycleTokens.Core.History;
using CycleTokens.Core.Purchases;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Purchases;

public sealed class PurchaseTests
{
    [Theory]
    [InlineData(1000L, 1000L, "10.00")]
    [InlineData(5000L, 5000L, "50.00")]
    [InlineData(10000L, 9000L, "90.00")]
    [InlineData(10L, 10L, "0.10")]
    [InlineData(1234L, 1234L, "12.34")]
    [InlineData(9999L, 9999L, "99.99")]
    [InlineData(20000L, 20000L, "200.00")]
    [InlineData(10_000_000L, 10_000_000L, "100000.00")]
    public async Task Create_PricesPacksAtTheirPrice_OtherwiseOneCentPerToken(long tokens, long cents, string eur)
    {
        using var t = new TestLedger();

        var result = await t.Ledger.CreatePurchaseAsync("alice", tokens, "card");

        Assert.Equal(tokens, result.Purchase.Tokens);
        Assert.Equal(cents, result.Purchase.AmountCents);
        Assert.Equal(eur, result.Purchase.AmountEur);
    }

    [Fact]
    public async Task Create_Card_GetsCheckoutUrlFromTheConfiguredBase()
    {
        using var t = new TestLedger(new LedgerOptions { DatabasePath = "unused", CheckoutBaseUrl = new Uri("https://pay.example.com/checkout/") });

        var result = await t.Ledger.CreatePurchaseAsync("alice", 1000, "card");

        Assert.StartsWith("pur_", result.Purchase.Id, StringComparison.Ordinal);
        Assert.Equal("https://pay.example.com/checkout/" + result.Purchase.Id, result.Purchase.CheckoutUrl);
        Assert.Null(result.Purchase.Currency);
        Assert.Equal("card", result.Purchase.Method);
    }

    [Fact]
    public async Task Create_Card_DefaultCheckoutBase_EndsWithThePurchaseId()
    {
        using var t = new TestLedger();

        var result = await t.Ledger.CreatePurchaseAsync("alice", 1000, "card");

        Assert.Equal("https://checkout.cycletokens.invalid/pay/" + result.Purchase.Id, result.Purchase.CheckoutUrl);
    }

    [Fact]
    public async Task Create_Card_BaseWithoutTrailingSlash_KeepsTheWholeBase()
    {
        using var t = new TestLedger(new LedgerOptions { DatabasePath = "unused", CheckoutBaseUrl = new Uri("https://pay.example.com/checkout") });

        var result = await t.Ledger.CreatePurchaseAsync("alice", 1000, "card");

        // The purchase id is appended to the configured base; the base's last path segment must not be dropped.
        Assert.StartsWith("https://pay.example.com/checkout", result.Purchase.CheckoutUrl, StringComparison.Ordinal);
        Assert.EndsWith(result.Purchase.Id, result.Purchase.CheckoutUrl, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("usdc", "USDC")]
    [InlineData("eth", "ETH")]
    [InlineData("btc", "BTC")]
    public async Task Create_Crypto_GetsCurrencyAndEuroAmount(string method, string currency)
    {
        using var t = new TestLedger();

        var result = await t.Ledger.CreatePurchaseAsync("alice", 5000, method);

        Assert.Equal(currency, result.Purchase.Currency);
        Assert.Null(result.Purchase.CheckoutUrl);
        Assert.Equal("50.00", result.Purchase.AmountEur);
        Assert.Equal(method, result.Purchase.Method);
    }

    [Fact]
    public async Task Create_IsPendingAndCreditsNothing()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        var transactions = LedgerChecks.Counts(t.DatabasePath).Transactions;

        var result = await t.Ledger.CreatePurchaseAsync("alice", 5000, "card");
        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal(PurchaseStatus.Pending, result.Purchase.Status);
        Assert.Equal(TestLedger.Start, result.Purchase.CreatedAt);
        Assert.Null(result.Purchase.CompletedAt);
        Assert.Null(result.Purchase.TransactionId);
        Assert.Equal(1000, result.BalanceAfter);
        Assert.Equal((1000L, 0L), (balance.Total, balance.Purchased));
        Assert.Equal(transactions, LedgerChecks.Counts(t.DatabasePath).Transactions);
        Assert.False(LedgerChecks.Exists(t.DatabasePath, AccountNames.SystemPayments));
    }

    [Fact]
    public async Task Create_RaisesPurchaseInitiatedEvent()
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        t.Events.Clear();

        var created = await t.Ledger.CreatePurchaseAsync("alice", 10000, "eth");

        var ev = Assert.Single(t.Events);
        Assert.Equal(LedgerEventNames.PurchaseInitiated, ev.Name);
        Assert.Equal("alice", ev.Account);
        Assert.Equal(created.Purchase.Id, ev.Data["purchase_id"]);
        Assert.Equal(10000L, ev.Data["tokens"]);
        Assert.Equal("90.00", ev.Data["amount_eur"]);
        Assert.Equal("eth", ev.Data["method"]);
    }

    [Fact]
    public async Task Complete_CreditsThePurchasesOwnTokensToThePurchasedPart()
    {
        using var t = new TestLedger();
        await t.Ledger.SpendAsync("alice", 100, "x");
        var created = await t.Ledger.CreatePurchaseAsync("alice", 5000, "card");
        t.Clock.Advance(TimeSpan.FromMinutes(3));
        t.Events.Clear();

        var done = await t.Ledger.CompletePurchaseAsync(created.Purchase.Id);
        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.False(done.Replayed);
        Assert.Equal(PurchaseStatus.Completed, done.Purchase.Status);
        Assert.Equal(TestLedger.Start.AddMinutes(3), done.Purchase.CompletedAt);
        Assert.NotNull(done.Purchase.TransactionId);
        Assert.Equal(5900, done.BalanceAfter);
        Assert.Equal((900L, 5000L), (balance.Allowance, balance.Purchased));
        Assert.Equal(-5000, LedgerChecks.Balance(t.DatabasePath, AccountNames.SystemPayments));
        var history = await t.Ledger.GetHistoryAsync("alice", new HistoryQuery { Kind = TransactionKind.Purchase });
        var tx = Assert.Single(history.Transactions);
        Assert.Equal(
            (done.Purchase.TransactionId!, TransactionType.Credit, 5000L, "system:payments", "purchase.card", created.Purchase.Id),
            (tx.Id, tx.Type, tx.Amount, tx.Counterparty!, tx.Operation!, tx.Ref!));
        var ev = Assert.Single(t.Events);
        Assert.Equal(LedgerEventNames.TokenAdded, ev.Name);
        Assert.Equal(5000L, ev.Data["amount"]);
        Assert.Equal("purchase", ev.Data["source"]);
        Assert.Equal(created.Purchase.Id, ev.Data["purchase_id"]);
        Assert.Equal(5900L, ev.Data["balance"]);
        LedgerChecks.AssertBalanced(t.DatabasePath);
    }

    [Fact]
    public async Task Complete_Again_ReturnsReplayedAndCreditsNothing()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreatePurchaseAsync("alice", 1000, "btc");
        var first = await t.Ledger.CompletePurchaseAsync(created.Purchase.Id);
        var before = LedgerChecks.Counts(t.DatabasePath);
        t.Events.Clear();
        t.Clock.Advance(TimeSpan.FromHours(1));

        var again = await t.Ledger.CompletePurchaseAsync(created.Purchase.Id);
        var third = await t.Ledger.CompletePurchaseAsync(created.Purchase.Id);

        Assert.True(again.Replayed);
        Assert.True(third.Replayed);
        Assert.Equal(PurchaseStatus.Completed, again.Purchase.Status);
        Assert.Equal(first.Purchase, again.Purchase);
        Assert.Equal(2000, again.BalanceAfter);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
        Assert.Empty(t.Events);
        Assert.Equal(2000, (await t.Ledger.GetBalanceAsync("alice")).Total);
        Assert.Equal(1, LedgerChecks.CountKind(t.DatabasePath, "alice", "purchase"));
    }

    [Fact]
    public async Task Complete_PurchasedTokensSurviveTheMonthReset()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreatePurchaseAsync("alice", 1000, "card");
        await t.Ledger.CompletePurchaseAsync(created.Purchase.Id);

        t.Clock.SetUtcNow(new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero));
        var balance = await t.Ledger.GetBalanceAsync("alice");

        Assert.Equal((1000L, 1000L), (balance.Allowance, balance.Purchased));
    }

    [Fact]
    public async Task Complete_UnknownPurchase_IsNotFound()
    {
        using var t = new TestLedger();

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.CompletePurchaseAsync("pur_999999"));

        Assert.Equal(LedgerErrorCode.NotFound, ex.Code);
        Assert.Equal("purchase_id", ex.Field);
        Assert.Equal("Purchase pur_999999 not found", ex.Message);
    }

    [Fact]
    public async Task Get_ReturnsTheUsersPurchase()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreatePurchaseAsync("alice", 1234, "usdc");

        var purchase = await t.Ledger.GetPurchaseAsync("alice", created.Purchase.Id);

        Assert.Equal(created.Purchase, purchase);
    }

    [Fact]
    public async Task Get_OtherUsersPurchase_IsNotFound()
    {
        using var t = new TestLedger();
        var created = await t.Ledger.CreatePurchaseAsync("alice", 1000, "card");

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.GetPurchaseAsync("mallory", created.Purchase.Id));

        Assert.Equal(LedgerErrorCode.NotFound, ex.Code);
        Assert.Equal("purchase_id", ex.Field);
        Assert.Equal($"Purchase {created.Purchase.Id} not found", ex.Message);
    }

    [Theory]
    [InlineData(9L)]
    [InlineData(0L)]
    [InlineData(-1000L)]
    [InlineData(10_000_001L)]
    public async Task Create_TokensOutOfRange_IsRejectedAndWritesNothing(long tokens)
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        var before = LedgerChecks.Counts(t.DatabasePath);

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.CreatePurchaseAsync("alice", tokens, "card"));

        Assert.Equal(LedgerErrorCode.InvalidArgument, ex.Code);
        Assert.Equal("tokens", ex.Field);
        Assert.Equal($"tokens must be a whole number from 10 to 10000000 (got {tokens})", ex.Message);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
    }

    [Theory]
    [InlineData("paypal", "\"paypal\"")]
    [InlineData("CARD", "\"CARD\"")]
    [InlineData("", "\"\"")]
    [InlineData(null, "nothing")]
    public async Task Create_UnknownMethod_IsRejectedAndWritesNothing(string? method, string shown)
    {
        using var t = new TestLedger();
        await t.Ledger.GetBalanceAsync("alice");
        var before = LedgerChecks.Counts(t.DatabasePath);

        var ex = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.CreatePurchaseAsync("alice", 1000, method!));

        Assert.Equal(LedgerErrorCode.InvalidArgument, ex.Code);
        Assert.Equal("method", ex.Field);
        Assert.Equal($"method must be one of card, usdc, eth, btc (got {shown})", ex.Message);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
    }
}
