using System.Text.Json;
using CycleTokens.Core.Escrows;
using CycleTokens.Mcp.Tests.Support;

namespace CycleTokens.Mcp.Tests.Tools;

public sealed class AgentToolTests
{
    private const string MonthStart = "2026-03-01T00:00:00.000Z";
    private const string NextReset = "2026-04-01T00:00:00.000Z";
    private const string Now = "2026-03-15T10:00:00.000Z";

    public static TheoryData<string> Versions => [McpTestServer.Legacy, McpTestServer.Modern];

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task GetBalance_NewAccount_ReturnsTheFreeAllowance(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);

        var b = await server.CallContractAsync("get_balance");

        Assert.Equal("alice", b.Str("account"));
        Assert.Equal(1000, b.Long("balance"));
        Assert.Equal(1000, b.Long("allowance_balance"));
        Assert.Equal(0, b.Long("purchased_balance"));
        Assert.Equal(0, b.Long("held_in_escrow"));
        Assert.Equal("FREE", b.Str("tier"));
        Assert.Equal(1000, b.Long("monthly_allowance"));
        Assert.Equal(0, b.Long("used_this_month"));
        Assert.Equal(1000, b.Long("remaining_this_month"));
        Assert.Equal(MonthStart, b.Str("month_start"));
        Assert.Equal(NextReset, b.Str("next_reset"));
        Assert.Equal(70, b.Long("creator_royalty_pct"));
    }

    [Fact]
    public async Task ListOperations_ReturnsTheCatalogueAndFiltersByCategory()
    {
        await using var server = await McpTestServer.StartAsync();

        var all = await server.CallContractAsync("list_operations");
        var cam = await server.CallContractAsync("list_operations", """{"category":"cam"}""");

        Assert.Equal(32, all.GetProperty("operations").GetArrayLength());
        Assert.Equal(5, all.Long("default_price"));
        Assert.Equal("0.01", all.Str("token_value_eur"));
        var step = all.GetProperty("operations").EnumerateArray().Single(o => o.Str("operation") == "model.export.step");
        Assert.Equal(10, step.Long("price"));
        Assert.Equal("model", step.Str("category"));
        Assert.Equal(4, cam.GetProperty("operations").GetArrayLength());
        Assert.All(cam.GetProperty("operations").EnumerateArray(), o => Assert.Equal("cam", o.Str("category")));
    }

    [Fact]
    public async Task EstimateOperation_PricesTheBatchAndChangesNothing()
    {
        await using var server = await McpTestServer.StartAsync();
        await server.CallOkAsync("get_balance");
        var before = await LedgerSnapshot.TakeAsync(server.Ledger, "alice");

        var q = await server.CallContractAsync("estimate_operation", """{"operation":"model.export.step","quantity":10,"params":{"units":"mm"}}""");

        Assert.Equal("model.export.step", q.Str("operation"));
        Assert.Equal(10, q.Long("base_price"));
        Assert.Equal(10, q.Long("unit_price"));
        Assert.False(q.Bool("cached"));
        Assert.Equal(0, q.Long("cache_discount_pct"));
        Assert.Equal(10, q.Long("quantity"));
        Assert.Equal(25, q.Long("batch_discount_pct"));
        Assert.Equal(75, q.Long("total_price"));
        Assert.Equal("0.75", q.Str("total_eur"));
        Assert.Equal("catalogue", q.Str("priced_by"));
        Assert.Equal(1000, q.Long("balance"));
        Assert.True(q.Bool("affordable"));
        Assert.Equal(before, await LedgerSnapshot.TakeAsync(server.Ledger, "alice"));
    }

    [Fact]
    public async Task EstimateOperation_MatchesTheNextChargeIncludingCacheAndDefaultPrice()
    {
        await using var server = await McpTestServer.StartAsync();
        await server.CallOkAsync("charge_for_operation", """{"operation":"model.export.step","params":{"a":1,"b":2}}""");

        // Key order does not matter: the same params (canonical JSON) within 24 hours pay 10%.
        var cached = await server.CallContractAsync("estimate_operation", """{"operation":"model.export.step","params":{"b":2,"a":1}}""");
        var charge = await server.CallContractAsync("charge_for_operation", """{"operation":"model.export.step","params":{"b":2,"a":1}}""");
        var unknown = await server.CallContractAsync("estimate_operation", """{"operation":"custom.render","quantity":100}""");
        var tooMuch = await server.CallContractAsync("estimate_operation", """{"operation":"model.download.full_ip","quantity":2}""");

        Assert.True(cached.Bool("cached"));
        Assert.Equal(90, cached.Long("cache_discount_pct"));
        Assert.Equal(1, cached.Long("unit_price"));
        Assert.Equal(1, cached.Long("total_price"));
        Assert.Equal(cached.Long("total_price"), charge.Long("charged"));
        Assert.True(charge.Bool("cached"));
        Assert.Equal("default", unknown.Str("priced_by"));
        Assert.Equal(5, unknown.Long("base_price"));
        Assert.Equal(50, unknown.Long("batch_discount_pct"));
        Assert.Equal(250, unknown.Long("total_price"));
        Assert.Equal(2000, tooMuch.Long("total_price"));
        Assert.False(tooMuch.Bool("affordable"));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task ChargeForOperation_WithCreator_SplitsRoyaltyAndPlatform(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);

        var c = await server.CallContractAsync("charge_for_operation", """{"operation":"ai.design_review","creator_id":"bob","metadata":{"drawing":"D-12"}}""");

        Assert.StartsWith("tx_", c.Str("transaction_id"), StringComparison.Ordinal);
        Assert.Equal("ai.design_review", c.Str("operation"));
        Assert.Equal(15, c.Long("base_price"));
        Assert.Equal(15, c.Long("unit_price"));
        Assert.False(c.Bool("cached"));
        Assert.Equal(1, c.Long("quantity"));
        Assert.Equal(0, c.Long("batch_discount_pct"));
        Assert.Equal(15, c.Long("charged"));
        Assert.Equal("bob", c.Str("creator_id"));
        Assert.Equal(11, c.Long("creator_share")); // round half up of 15 x 70%
        Assert.Equal(4, c.Long("platform_share"));
        Assert.Equal(985, c.Long("balance_after"));
        Assert.False(c.Bool("replayed"));
        Assert.Equal(985, (await server.CallOkAsync("get_balance")).Long("balance"));
    }

    [Fact]
    public async Task ChargeForOperation_WithoutCreator_PaysThePlatformEverything()
    {
        await using var server = await McpTestServer.StartAsync();

        var c = await server.CallContractAsync("charge_for_operation", """{"operation":"marketplace.download","quantity":10}""");

        Assert.Equal(25, c.Long("batch_discount_pct"));
        Assert.Equal(188, c.Long("charged")); // ceil(25 x 10 x 75%)
        Assert.True(c.IsNull("creator_id"));
        Assert.Equal(0, c.Long("creator_share"));
        Assert.Equal(188, c.Long("platform_share"));
        Assert.Equal(812, c.Long("balance_after"));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task ChargeForOperation_RetriedWithTheSameKey_IsReplayedAndChargedOnce(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);
        const string args = """{"operation":"model.export.step","idempotency_key":"job-42-step"}""";

        var first = await server.CallContractAsync("charge_for_operation", args);
        var second = await server.CallContractAsync("charge_for_operation", args);

        Assert.False(first.Bool("replayed"));
        Assert.True(second.Bool("replayed"));
        Assert.Equal(first.Str("transaction_id"), second.Str("transaction_id"));
        Assert.Equal(first.Long("charged"), second.Long("charged"));
        Assert.Equal(990, second.Long("balance_after"));
        Assert.Equal(990, (await server.CallOkAsync("get_balance")).Long("balance"));
        var history = await server.CallOkAsync("get_transaction_history", """{"kind":"charge"}""");
        Assert.Equal(1, history.GetProperty("transactions").GetArrayLength());
    }

    [Fact]
    public async Task ChargeForOperation_KeyReusedWithDifferentArguments_FailsAndWritesNothing()
    {
        await using var server = await McpTestServer.StartAsync();
        await server.CallOkAsync("charge_for_operation", """{"operation":"model.export.step","idempotency_key":"k1"}""");
        var before = await LedgerSnapshot.TakeAsync(server.Ledger, "alice");

        var message = await server.CallErrorAsync("charge_for_operation", """{"operation":"model.export.stl","idempotency_key":"k1"}""");

        Assert.Equal("idempotency key reused with different arguments", message);
        Assert.Equal(before, await LedgerSnapshot.TakeAsync(server.Ledger, "alice"));
    }

    [Fact]
    public async Task SpendTokens_DebitsTheAmountForTheOperation()
    {
        await using var server = await McpTestServer.StartAsync();

        var s = await server.CallContractAsync("spend_tokens", """{"amount":250,"operation":"custom.render","metadata":{"frames":24}}""");

        Assert.StartsWith("tx_", s.Str("transaction_id"), StringComparison.Ordinal);
        Assert.Equal("custom.render", s.Str("operation"));
        Assert.Equal(250, s.Long("charged"));
        Assert.Equal(750, s.Long("balance_after"));
        Assert.False(s.Bool("replayed"));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task SpendTokens_BeyondTheBalance_FailsWithTheShortfallAndWritesNothing(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);
        await server.CallOkAsync("get_balance");
        var before = await LedgerSnapshot.TakeAsync(server.Ledger, "alice");

        var spend = await server.CallErrorAsync("spend_tokens", """{"amount":1500,"operation":"custom.render"}""");
        var charge = await server.CallErrorAsync("charge_for_operation", """{"operation":"model.download.full_ip","quantity":2}""");

        Assert.Equal("Insufficient tokens: have 1000, need 1500", spend);
        Assert.Equal("Insufficient tokens: have 1000, need 2000", charge);
        Assert.Equal(before, await LedgerSnapshot.TakeAsync(server.Ledger, "alice"));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task KeyedFailure_RetriedWithTheSameKey_ReturnsTheSameErrorMarkedReplayed(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);
        const string args = """{"amount":1500,"operation":"custom.render","idempotency_key":"render-1"}""";

        var first = await server.CallAsync("spend_tokens", args);
        // The balance would now cover it, but a retry returns the stored outcome and does nothing.
        await server.Ledger.GrantAsync("alice", 5000);
        var second = await server.CallAsync("spend_tokens", args);

        Assert.True(first.IsError);
        Assert.True(second.IsError);
        Assert.Equal("Insufficient tokens: have 1000, need 1500", McpTestServer.Text(first));
        Assert.Equal(McpTestServer.Text(first), McpTestServer.Text(second));
        Assert.False(first.Meta?["replayed"]?.GetValue<bool>() ?? false);
        Assert.True(second.Meta?["replayed"]?.GetValue<bool>(), $"no _meta.replayed on the replayed failure: {second.Meta?.ToJsonString()}");
        Assert.Equal(6000, (await server.CallOkAsync("get_balance")).Long("balance"));
    }

    [Fact]
    public async Task GetTransactionHistory_ListsNewestFirstFiltersAndPages()
    {
        await using var server = await McpTestServer.StartAsync();
        await server.CallOkAsync("get_balance");
        server.Clock.Advance(TimeSpan.FromMinutes(5));
        var charge = await server.CallOkAsync("charge_for_operation", """{"operation":"model.export.step","metadata":{"job":"A-1"}}""");
        server.Clock.Advance(TimeSpan.FromMinutes(5));
        var spend = await server.CallOkAsync("spend_tokens", """{"amount":40,"operation":"custom.render"}""");

        var all = await server.CallContractAsync("get_transaction_history");

        var list = all.GetProperty("transactions").EnumerateArray().ToList();
        Assert.Equal(3, list.Count);
        Assert.True(all.IsNull("next_cursor"));
        Assert.All(list, t => Assert.All(Contract.Transaction, f => Assert.True(t.TryGetProperty(f, out _), $"transaction lacks {f}")));
        Assert.Equal(spend.Str("transaction_id"), list[0].Str("id"));
        Assert.Equal("2026-03-15T10:10:00.000Z", list[0].Str("timestamp"));
        Assert.Equal("debit", list[0].Str("type"));
        Assert.Equal("spend", list[0].Str("kind"));
        Assert.Equal("custom.render", list[0].Str("operation"));
        Assert.Equal(40, list[0].Long("amount"));
        Assert.Equal("platform", list[0].Str("counterparty"));
        Assert.Equal(950, list[0].Long("balance_after"));
        Assert.True(list[0].IsNull("metadata"));
        Assert.Equal(charge.Str("transaction_id"), list[1].Str("id"));
        Assert.Equal("charge", list[1].Str("kind"));
        Assert.Equal("A-1", list[1].GetProperty("metadata").Str("job"));
        Assert.Equal(990, list[1].Long("balance_after"));
        Assert.Equal("credit", list[2].Str("type"));
        Assert.Equal("allowance", list[2].Str("kind"));
        Assert.Equal(1000, list[2].Long("amount"));
        Assert.Equal(Now, list[2].Str("timestamp"));

        Assert.Equal([charge.Str("transaction_id")], await IdsAsync(server, """{"kind":"charge"}"""));
        Assert.Equal([spend.Str("transaction_id")], await IdsAsync(server, """{"operation":"custom.render"}"""));
        Assert.Single(await IdsAsync(server, """{"type":"credit"}"""));
        Assert.Single(await IdsAsync(server, """{"min_amount":100}"""));
        Assert.Equal(2, (await IdsAsync(server, """{"after":"2026-03-15T10:05:00Z"}""")).Count);
        Assert.Single(await IdsAsync(server, """{"before":"2026-03-15T10:05:00Z"}"""));

        var page1 = await server.CallContractAsync("get_transaction_history", """{"limit":2}""");
        Assert.Equal(2, page1.GetProperty("transactions").GetArrayLength());
        var cursor = page1.Str("next_cursor");
        Assert.False(string.IsNullOrEmpty(cursor));
        var page2 = await server.CallContractAsync("get_transaction_history", JsonSerializer.Serialize(new { limit = 2, cursor }));
        Assert.Equal(list[2].Str("id"), Assert.Single(page2.GetProperty("transactions").EnumerateArray()).Str("id"));
        Assert.True(page2.IsNull("next_cursor"));
    }

    [Fact]
    public async Task GetUsage_SumsChargesAndSpendsPerOperation()
    {
        await using var server = await McpTestServer.StartAsync();
        await server.CallOkAsync("charge_for_operation", """{"operation":"model.export.step"}""");
        await server.CallOkAsync("charge_for_operation", """{"operation":"model.export.step"}"""); // cached: 1 token
        await server.CallOkAsync("spend_tokens", """{"amount":40,"operation":"custom.render"}""");

        var u = await server.CallContractAsync("get_usage");
        var balance = await server.CallOkAsync("get_balance");

        Assert.Equal(MonthStart, u.Str("since"));
        Assert.Equal(NextReset, u.Str("until"));
        Assert.Equal(51, u.Long("used"));
        Assert.Equal("0.51", u.Str("used_eur"));
        var ops = u.GetProperty("by_operation").EnumerateArray().ToList();
        Assert.Equal(2, ops.Count);
        Assert.Equal("custom.render", ops[0].Str("operation"));
        Assert.Equal(1, ops[0].Long("count"));
        Assert.Equal(40, ops[0].Long("total_tokens"));
        Assert.Equal(40, ops[0].Long("average_per_op"));
        Assert.Equal("0.40", ops[0].Str("cost_eur"));
        Assert.Equal("model.export.step", ops[1].Str("operation"));
        Assert.Equal(2, ops[1].Long("count"));
        Assert.Equal(11, ops[1].Long("total_tokens"));
        Assert.Equal(6, ops[1].Long("average_per_op"));
        Assert.Equal("0.11", ops[1].Str("cost_eur"));
        Assert.Equal(51, balance.Long("used_this_month"));
        Assert.Equal(949, balance.Long("remaining_this_month"));

        var empty = await server.CallContractAsync("get_usage", """{"since":"2026-02-01T00:00:00Z","until":"2026-03-01T00:00:00Z"}""");
        Assert.Equal(0, empty.Long("used"));
        Assert.Equal("0.00", empty.Str("used_eur"));
        Assert.Equal(0, empty.GetProperty("by_operation").GetArrayLength());
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Escrow_CreateGetListReleaseCancel_FollowsTheLifecycle(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);

        var created = await server.CallContractAsync("create_escrow", """{"amount":300,"job_id":"job-7","fab_id":"acme-fab","expires_in_hours":48,"metadata":{"part":"bracket"}}""");
        var id = created.Str("escrow_id")!;
        Assert.StartsWith("esc_", id, StringComparison.Ordinal);
        Assert.Equal(300, created.Long("amount"));
        Assert.Equal("job-7", created.Str("job_id"));
        Assert.Equal("acme-fab", created.Str("fab_id"));
        Assert.Equal("held", created.Str("status"));
        Assert.Equal(Now, created.Str("created_at"));
        Assert.Equal("2026-03-17T10:00:00.000Z", created.Str("expires_at"));
        Assert.Equal(700, created.Long("balance_after"));
        Assert.False(created.Bool("replayed"));

        var balance = await server.CallOkAsync("get_balance");
        Assert.Equal(700, balance.Long("balance"));
        Assert.Equal(300, balance.Long("held_in_escrow"));

        var got = await server.CallContractAsync("get_escrow", $$"""{"escrow_id":"{{id}}"}""");
        Assert.Equal("held", got.Str("status"));
        Assert.True(got.IsNull("released_at"));
        Assert.True(got.IsNull("cancelled_at"));
        Assert.Equal("bracket", got.GetProperty("metadata").Str("part"));

        var held = await server.CallContractAsync("list_escrows", """{"status":"held"}""");
        Assert.Equal(id, Assert.Single(held.GetProperty("escrows").EnumerateArray()).Str("escrow_id"));

        server.Clock.Advance(TimeSpan.FromHours(1));
        var released = await server.CallContractAsync("release_escrow", $$"""{"escrow_id":"{{id}}"}""");
        Assert.Equal("released", released.Str("status"));
        Assert.Equal("2026-03-15T11:00:00.000Z", released.Str("released_at"));
        Assert.Equal(700, (await server.CallOkAsync("get_balance")).Long("balance"));

        var second = await server.CallContractAsync("create_escrow", """{"amount":200,"job_id":"job-8","fab_id":"acme-fab"}""");
        Assert.True(second.IsNull("expires_at"));
        Assert.Equal(500, second.Long("balance_after"));
        var cancelled = await server.CallContractAsync("cancel_escrow", $$"""{"escrow_id":"{{second.Str("escrow_id")}}"}""");
        Assert.Equal("cancelled", cancelled.Str("status"));
        Assert.Equal("2026-03-15T11:00:00.000Z", cancelled.Str("cancelled_at"));
        Assert.Equal(700, cancelled.Long("balance_after"));

        var all = await server.CallContractAsync("list_escrows");
        Assert.Equal(2, all.GetProperty("escrows").GetArrayLength());
        Assert.All(all.GetProperty("escrows").EnumerateArray(), e => Assert.All(Contract.Escrow, f => Assert.True(e.TryGetProperty(f, out _), f)));
        Assert.Single((await server.CallOkAsync("list_escrows", """{"status":"cancelled"}""")).GetProperty("escrows").EnumerateArray());
        Assert.Empty((await server.CallOkAsync("list_escrows", """{"status":"held"}""")).GetProperty("escrows").EnumerateArray());
    }

    [Fact]
    public async Task Escrow_ActingOnAFinishedOrUnknownEscrow_FailsAndWritesNothing()
    {
        await using var server = await McpTestServer.StartAsync();
        var released = (await server.CallOkAsync("create_escrow", """{"amount":100,"job_id":"j1","fab_id":"f1"}""")).Str("escrow_id");
        await server.CallOkAsync("release_escrow", $$"""{"escrow_id":"{{released}}"}""");
        var cancelled = (await server.CallOkAsync("create_escrow", """{"amount":100,"job_id":"j2","fab_id":"f1"}""")).Str("escrow_id");
        await server.CallOkAsync("cancel_escrow", $$"""{"escrow_id":"{{cancelled}}"}""");
        var before = await LedgerSnapshot.TakeAsync(server.Ledger, "alice");

        Assert.Equal($"Escrow {released} is not held (status: released)", await server.CallErrorAsync("release_escrow", $$"""{"escrow_id":"{{released}}"}"""));
        Assert.Equal($"Escrow {released} is not held (status: released)", await server.CallErrorAsync("cancel_escrow", $$"""{"escrow_id":"{{released}}"}"""));
        Assert.Equal($"Escrow {cancelled} is not held (status: cancelled)", await server.CallErrorAsync("release_escrow", $$"""{"escrow_id":"{{cancelled}}"}"""));
        Assert.Equal("Escrow esc_999999 not found", await server.CallErrorAsync("get_escrow", """{"escrow_id":"esc_999999"}"""));
        Assert.Equal("Escrow esc_999999 not found", await server.CallErrorAsync("release_escrow", """{"escrow_id":"esc_999999"}"""));
        Assert.Equal("Insufficient tokens: have 900, need 5000", await server.CallErrorAsync("create_escrow", """{"amount":5000,"job_id":"j3","fab_id":"f1"}"""));
        Assert.Equal(before, await LedgerSnapshot.TakeAsync(server.Ledger, "alice"));
    }

    [Fact]
    public async Task Escrow_OfAnotherAccount_IsNotFoundAndCannotBeTouched()
    {
        await using var server = await McpTestServer.StartAsync();
        var bobs = await server.Ledger.CreateEscrowAsync("bob", new EscrowRequest(100, "bob-job", "f1"));
        await server.CallOkAsync("get_balance");
        var before = await LedgerSnapshot.TakeAsync(server.Ledger, "alice", "bob");
        var id = bobs.Escrow.Id;

        Assert.Equal($"Escrow {id} not found", await server.CallErrorAsync("get_escrow", $$"""{"escrow_id":"{{id}}"}"""));
        Assert.Equal($"Escrow {id} not found", await server.CallErrorAsync("release_escrow", $$"""{"escrow_id":"{{id}}"}"""));
        Assert.Equal($"Escrow {id} not found", await server.CallErrorAsync("cancel_escrow", $$"""{"escrow_id":"{{id}}"}"""));
        Assert.Empty((await server.CallOkAsync("list_escrows")).GetProperty("escrows").EnumerateArray());
        Assert.Equal(before, await LedgerSnapshot.TakeAsync(server.Ledger, "alice", "bob"));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Escrow_PastItsExpiry_IsCancelledWhenNextTouched(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);
        var id = (await server.CallOkAsync("create_escrow", """{"amount":300,"job_id":"j1","fab_id":"f1","expires_in_hours":1}""")).Str("escrow_id");

        server.Clock.Advance(TimeSpan.FromHours(2));
        var escrow = await server.CallContractAsync("get_escrow", $$"""{"escrow_id":"{{id}}"}""");

        Assert.Equal("cancelled", escrow.Str("status"));
        Assert.Equal("2026-03-15T12:00:00.000Z", escrow.Str("cancelled_at"));
        Assert.Equal(1000, (await server.CallOkAsync("get_balance")).Long("balance"));
        Assert.Equal($"Escrow {id} is not held (status: cancelled)", await server.CallErrorAsync("release_escrow", $$"""{"escrow_id":"{{id}}"}"""));
    }

    [Fact]
    public async Task KeyedEscrowAndPurchaseCalls_AreReplayedNotRepeated()
    {
        await using var server = await McpTestServer.StartAsync();
        const string create = """{"amount":300,"job_id":"j1","fab_id":"f1","idempotency_key":"hold-1"}""";

        var first = await server.CallContractAsync("create_escrow", create);
        var again = await server.CallContractAsync("create_escrow", create);
        var id = first.Str("escrow_id");
        var release = $$"""{"escrow_id":"{{id}}","idempotency_key":"pay-1"}""";
        var released = await server.CallContractAsync("release_escrow", release);
        var releasedAgain = await server.CallContractAsync("release_escrow", release);
        var purchase = await server.CallContractAsync("purchase_tokens", """{"tokens":1000,"method":"card","idempotency_key":"buy-1"}""");
        var purchaseAgain = await server.CallContractAsync("purchase_tokens", """{"tokens":1000,"method":"card","idempotency_key":"buy-1"}""");

        Assert.Equal(id, again.Str("escrow_id"));
        Assert.True(again.Bool("replayed"));
        Assert.Equal(700, again.Long("balance_after"));
        Assert.False(released.Bool("replayed"));
        Assert.True(releasedAgain.Bool("replayed"));
        Assert.Equal("released", releasedAgain.Str("status"));
        Assert.Equal(purchase.Str("purchase_id"), purchaseAgain.Str("purchase_id"));
        Assert.True(purchaseAgain.Bool("replayed"));
        Assert.Single((await server.CallOkAsync("list_escrows")).GetProperty("escrows").EnumerateArray());
        Assert.Equal(700, (await server.CallOkAsync("get_balance")).Long("balance"));
        Assert.Equal("idempotency key reused with different arguments", await server.CallErrorAsync("create_escrow", """{"amount":301,"job_id":"j1","fab_id":"f1","idempotency_key":"hold-1"}"""));
    }

    [Fact]
    public async Task ConcurrentKeyedCharges_ChargeOnce()
    {
        await using var server = await McpTestServer.StartAsync();
        const string args = """{"operation":"model.download.mesh","idempotency_key":"mesh-1"}""";

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => server.CallOkAsync("charge_for_operation", args)));

        Assert.Single(results, r => !r.Bool("replayed"));
        Assert.Single(results.Select(r => r.Str("transaction_id")).Distinct());
        Assert.Equal(950, (await server.CallOkAsync("get_balance")).Long("balance"));
        Assert.True((await server.Ledger.VerifyAsync()).Ok);
    }

    [Fact]
    public async Task ConcurrentSpends_NeverOverdraw()
    {
        await using var server = await McpTestServer.StartAsync();
        await server.CallOkAsync("get_balance");

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => server.CallAsync("spend_tokens", """{"amount":150,"operation":"custom.render"}""")));

        Assert.Equal(6, results.Count(r => r.IsError is not true));
        Assert.All(results.Where(r => r.IsError is true), r => Assert.Equal("Insufficient tokens: have 100, need 150", McpTestServer.Text(r)));
        Assert.Equal(100, (await server.CallOkAsync("get_balance")).Long("balance"));
        Assert.True((await server.Ledger.VerifyAsync()).Ok);
    }

    [Fact]
    public async Task GetTier_ReturnsTheAccountsTierAndAllTiers()
    {
        await using var server = await McpTestServer.StartAsync();

        var t = await server.CallContractAsync("get_tier");

        Assert.Equal("FREE", t.Str("tier"));
        Assert.Equal(1000, t.Long("monthly_allowance"));
        Assert.Equal("0.00", t.Str("price_eur_per_month"));
        Assert.Equal(70, t.Long("creator_royalty_pct"));
        var tiers = t.GetProperty("tiers").EnumerateArray().ToList();
        Assert.Equal(["FREE", "PRO", "ENTERPRISE"], tiers.Select(x => x.Str("tier")));
        Assert.Equal(10000, tiers[1].Long("monthly_allowance"));
        Assert.Equal("49.00", tiers[1].Str("price_eur_per_month"));
        Assert.Equal(80, tiers[1].Long("creator_royalty_pct"));
        Assert.Equal(100000, tiers[2].Long("monthly_allowance"));
        Assert.Equal("299.00", tiers[2].Str("price_eur_per_month"));
        Assert.Equal(90, tiers[2].Long("creator_royalty_pct"));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task PurchaseTokens_CreatesAPendingPurchaseAndCreditsNothing(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);

        var card = await server.CallContractAsync("purchase_tokens", """{"tokens":1000,"method":"card"}""");
        var usdc = await server.CallContractAsync("purchase_tokens", """{"tokens":1500,"method":"usdc"}""");

        Assert.StartsWith("pur_", card.Str("purchase_id"), StringComparison.Ordinal);
        Assert.Equal(1000, card.Long("tokens"));
        Assert.Equal("10.00", card.Str("amount_eur"));
        Assert.Equal("card", card.Str("method"));
        Assert.Equal("pending", card.Str("status"));
        Assert.Equal("https://checkout.cycletokens.invalid/pay/" + card.Str("purchase_id"), card.Str("checkout_url"));
        Assert.True(card.IsNull("currency"));
        Assert.Equal(Now, card.Str("created_at"));
        Assert.Equal("15.00", usdc.Str("amount_eur"));
        Assert.Equal("USDC", usdc.Str("currency"));
        Assert.True(usdc.IsNull("checkout_url"));
        Assert.Equal(1000, (await server.CallOkAsync("get_balance")).Long("balance"));

        var got = await server.CallContractAsync("get_purchase", $$"""{"purchase_id":"{{card.Str("purchase_id")}}"}""");
        Assert.Equal("pending", got.Str("status"));
        Assert.Equal(card.Str("checkout_url"), got.Str("checkout_url"));
        Assert.Equal("10.00", got.Str("amount_eur"));
    }

    [Fact]
    public async Task GetPurchase_UnknownOrAnotherAccounts_IsNotFound()
    {
        await using var server = await McpTestServer.StartAsync();
        var bobs = await server.Ledger.CreatePurchaseAsync("bob", 1000, "card");

        Assert.Equal("Purchase pur_999999 not found", await server.CallErrorAsync("get_purchase", """{"purchase_id":"pur_999999"}"""));
        Assert.Equal($"Purchase {bobs.Purchase.Id} not found", await server.CallErrorAsync("get_purchase", $$"""{"purchase_id":"{{bobs.Purchase.Id}}"}"""));
    }

    [Fact]
    public async Task ExportTransactions_CsvAndJson_HoldEveryTransaction()
    {
        await using var server = await McpTestServer.StartAsync();
        await server.CallOkAsync("charge_for_operation", """{"operation":"model.export.step"}""");
        await server.CallOkAsync("spend_tokens", """{"amount":40,"operation":"custom.render"}""");

        var csv = await server.CallContractAsync("export_transactions");
        var json = await server.CallContractAsync("export_transactions", """{"format":"json"}""");

        Assert.Equal("csv", csv.Str("format"));
        Assert.Equal(3, csv.Long("rows"));
        var lines = csv.Str("content")!.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("date,transaction_id,type,kind,operation,amount,balance_after,counterparty", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.Equal("json", json.Str("format"));
        Assert.Equal(3, json.Long("rows"));
        using var content = JsonDocument.Parse(json.Str("content")!);
        var rows = content.RootElement.EnumerateArray().ToList();
        Assert.Equal(3, rows.Count);
        Assert.Equal("allowance", rows[0].Str("kind")); // oldest first
        Assert.All(rows, r => Assert.All(Contract.Transaction, f => Assert.True(r.TryGetProperty(f, out _), f)));
    }

    [Fact]
    public async Task ExportAccountData_HoldsBalanceTransactionsEscrowsAndCache()
    {
        await using var server = await McpTestServer.StartAsync();
        await server.CallOkAsync("charge_for_operation", """{"operation":"model.export.step"}""");
        await server.CallOkAsync("create_escrow", """{"amount":100,"job_id":"j1","fab_id":"f1"}""");

        var e = await server.CallContractAsync("export_account_data");

        Assert.Equal(890, e.Long("balance"));
        Assert.Equal(890, e.Long("allowance_balance"));
        Assert.Equal(0, e.Long("purchased_balance"));
        Assert.Equal("FREE", e.Str("tier"));
        Assert.Equal(MonthStart, e.Str("month_start"));
        Assert.Equal(3, e.GetProperty("transactions").GetArrayLength());
        Assert.Equal(1, e.GetProperty("escrows").GetArrayLength());
        Assert.Equal(1, e.Long("cached_operations"));
    }

    private static async Task<List<string?>> IdsAsync(McpTestServer server, string args) =>
        [.. (await server.CallOkAsync("get_transaction_history", args)).GetProperty("transactions").EnumerateArray().Select(t => t.Str("id"))];
}
