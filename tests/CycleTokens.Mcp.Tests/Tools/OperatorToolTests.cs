using CycleTokens.Core.Events;
using System.Text.Json;
using CycleTokens.Mcp.Tests.Support;

namespace CycleTokens.Mcp.Tests.Tools;

public sealed class OperatorToolTests
{
    private const string ReservedRule = "account must not start with a reserved prefix (creator:, fab:, system:, escrow:, hold:) or be 'platform'";

    public static TheoryData<string> Versions => [McpTestServer.Legacy, McpTestServer.Modern];

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task GrantTokens_CreditsThePurchasedPartAndReplaysByKey(string version)
    {
        await using var server = await McpTestServer.StartAsync(operatorMode: true, protocolVersion: version);
        const string args = """{"account":"bob","amount":500,"source":"promo","metadata":{"campaign":"spring"},"idempotency_key":"g1"}""";

        var grant = await server.CallContractAsync("grant_tokens", args);
        var again = await server.CallContractAsync("grant_tokens", args);

        Assert.StartsWith("tx_", grant.Str("transaction_id"), StringComparison.Ordinal);
        Assert.Equal("bob", grant.Str("account"));
        Assert.Equal(500, grant.Long("amount"));
        Assert.Equal(1500, grant.Long("balance_after")); // a new user's allowance plus the grant
        Assert.False(grant.Bool("replayed"));
        Assert.True(again.Bool("replayed"));
        Assert.Equal(grant.Str("transaction_id"), again.Str("transaction_id"));
        var bob = await server.CallContractAsync("get_balance", """{"account":"bob"}""");
        Assert.Equal(1500, bob.Long("balance"));
        Assert.Equal(500, bob.Long("purchased_balance"));
        Assert.Equal("idempotency key reused with different arguments", await server.CallErrorAsync("grant_tokens", """{"account":"bob","amount":501,"idempotency_key":"g1"}"""));
    }

    [Fact]
    public async Task GrantTokens_ToAReservedOrMissingAccount_IsRefused()
    {
        await using var server = await McpTestServer.StartAsync(operatorMode: true);
        await server.CallOkAsync("get_balance");
        var before = await LedgerSnapshot.TakeAsync(server.Ledger, "alice");

        Assert.Equal(ReservedRule + " (got \"platform\")", await server.CallErrorAsync("grant_tokens", """{"account":"platform","amount":5}"""));
        Assert.Equal(ReservedRule + " (got \"system:grants\")", await server.CallErrorAsync("grant_tokens", """{"account":"system:grants","amount":5}"""));
        Assert.Equal("account is required", await server.CallErrorAsync("grant_tokens", """{"amount":5}"""));
        Assert.Equal("amount must be a whole number from 1 to 1000000000000 (got 0)", await server.CallErrorAsync("grant_tokens", """{"account":"bob","amount":0}"""));
        Assert.Equal(before, await LedgerSnapshot.TakeAsync(server.Ledger, "alice"));
    }

    [Fact]
    public async Task SetTier_GrantsTheNewAllowanceAndIsIdempotent()
    {
        await using var server = await McpTestServer.StartAsync(operatorMode: true);
        await server.CallOkAsync("grant_tokens", """{"account":"bob","amount":300}""");
        await server.CallOkAsync("spend_tokens", """{"account":"bob","amount":100,"operation":"custom.render"}""");

        var change = await server.CallContractAsync("set_tier", """{"account":"bob","tier":"PRO"}""");
        var same = await server.CallContractAsync("set_tier", """{"account":"bob","tier":"PRO"}""");

        Assert.Equal("bob", change.Str("account"));
        Assert.Equal("FREE", change.Str("old_tier"));
        Assert.Equal("PRO", change.Str("tier"));
        Assert.Equal(10000, change.Long("monthly_allowance"));
        Assert.Equal(10300, change.Long("balance")); // spent allowance expired, full PRO allowance, purchased untouched
        Assert.Equal(10300, same.Long("balance"));
        Assert.Equal("PRO", same.Str("old_tier"));
        var bob = await server.CallOkAsync("get_balance", """{"account":"bob"}""");
        Assert.Equal("PRO", bob.Str("tier"));
        Assert.Equal(300, bob.Long("purchased_balance"));
        Assert.Equal("tier must be one of FREE, PRO, ENTERPRISE (got \"GOLD\")", await server.CallErrorAsync("set_tier", """{"account":"bob","tier":"GOLD"}"""));
    }

    [Fact]
    public async Task LowBalanceThreshold_IsReadSetAndResetPerAccount_AndADebitBelowItRaisesTheEvent()
    {
        await using var server = await McpTestServer.StartAsync(operatorMode: true);
        await server.CallOkAsync("grant_tokens", """{"account":"bob","amount":100}""");
        var alerts = new List<LedgerEvent>();
        server.Ledger.EventRaised += (_, e) =>
        {
            if (e.Name == LedgerEventNames.LowBalance)
            {
                lock (alerts)
                {
                    alerts.Add(e);
                }
            }
        };

        var initial = await server.CallContractAsync("get_low_balance_threshold", """{"account":"bob"}""");
        var set = await server.CallContractAsync("set_low_balance_threshold", """{"account":"bob","threshold":1050}""");
        await server.CallOkAsync("spend_tokens", """{"account":"bob","amount":100,"operation":"custom.render"}""");
        var reset = await server.CallContractAsync("set_low_balance_threshold", """{"account":"bob"}""");

        Assert.Equal(("bob", 100L, false, 100L), (initial.Str("account"), initial.Long("threshold"), initial.GetProperty("custom").GetBoolean(), initial.Long("tier_default")));
        Assert.Equal((1050L, true), (set.Long("threshold"), set.GetProperty("custom").GetBoolean()));
        Assert.Equal(1000L, Assert.Single(alerts).Data["balance"]);
        Assert.Equal(1050L, alerts[0].Data["threshold"]);
        Assert.Equal((100L, false), (reset.Long("threshold"), reset.GetProperty("custom").GetBoolean()));
        Assert.Equal(
            "threshold must be a whole number from 0 to 1000000000000 (got -1)",
            await server.CallErrorAsync("set_low_balance_threshold", """{"account":"bob","threshold":-1}"""));
    }

    [Fact]
    public async Task CompletePurchase_CreditsThePurchaseOnce()
    {
        await using var server = await McpTestServer.StartAsync(operatorMode: true);
        var purchase = await server.CallOkAsync("purchase_tokens", """{"tokens":5000,"method":"eth"}""");
        var id = purchase.Str("purchase_id");

        var done = await server.CallContractAsync("complete_purchase", $$"""{"purchase_id":"{{id}}"}""");
        var again = await server.CallContractAsync("complete_purchase", $$"""{"purchase_id":"{{id}}"}""");

        Assert.Equal(id, done.Str("purchase_id"));
        Assert.Equal("completed", done.Str("status"));
        Assert.Equal("50.00", done.Str("amount_eur"));
        Assert.Equal(6000, done.Long("balance_after"));
        Assert.Equal("completed", again.Str("status"));
        Assert.Equal(6000, again.Long("balance_after"));
        Assert.Equal(5000, (await server.CallOkAsync("get_balance")).Long("purchased_balance"));
        Assert.Equal("completed", (await server.CallOkAsync("get_purchase", $$"""{"purchase_id":"{{id}}"}""")).Str("status"));
        Assert.Equal("Purchase pur_999999 not found", await server.CallErrorAsync("complete_purchase", """{"purchase_id":"pur_999999"}"""));
    }

    [Fact]
    public async Task RefundTransaction_ReversesAChargeOnce()
    {
        await using var server = await McpTestServer.StartAsync(operatorMode: true);
        var charge = await server.CallOkAsync("charge_for_operation", """{"operation":"ai.design_review","creator_id":"carol"}""");
        var grant = await server.CallOkAsync("grant_tokens", """{"account":"alice","amount":50}""");
        var id = charge.Str("transaction_id");

        var refund = await server.CallContractAsync("refund_transaction", $$"""{"transaction_id":"{{id}}","reason":"duplicate run"}""");

        Assert.StartsWith("tx_", refund.Str("refund_transaction_id"), StringComparison.Ordinal);
        Assert.Equal(15, refund.Long("refunded"));
        Assert.Equal(1050, refund.Long("balance_after"));
        Assert.Equal(0, (await server.CallOkAsync("get_usage")).Long("used"));
        Assert.Equal($"Transaction {id} has already been refunded", await server.CallErrorAsync("refund_transaction", $$"""{"transaction_id":"{{id}}","reason":"again"}"""));
        Assert.Equal($"transaction_id must name a charge or spend (got grant)", await server.CallErrorAsync("refund_transaction", $$"""{"transaction_id":"{{grant.Str("transaction_id")}}","reason":"no"}"""));
        Assert.Equal("Transaction tx_999999 not found", await server.CallErrorAsync("refund_transaction", """{"transaction_id":"tx_999999","reason":"no"}"""));
        Assert.Equal("reason is required", await server.CallErrorAsync("refund_transaction", $$"""{"transaction_id":"{{id}}"}"""));
        Assert.True((await server.Ledger.VerifyAsync()).Ok);
    }

    [Fact]
    public async Task ListAccounts_FiltersByKindAndPages()
    {
        await using var server = await McpTestServer.StartAsync(operatorMode: true);
        await server.CallOkAsync("charge_for_operation", """{"operation":"model.export.step","creator_id":"carol"}""");
        await server.CallOkAsync("set_tier", """{"account":"bob","tier":"FREE"}""");

        var all = await server.CallContractAsync("list_accounts");
        var users = await server.CallContractAsync("list_accounts", """{"kind":"user"}""");

        var accounts = all.GetProperty("accounts").EnumerateArray().ToList();
        Assert.Contains(accounts, a => a.Str("account") == "platform" && a.Str("kind") == "platform" && a.IsNull("tier") && a.Long("balance") == 3);
        Assert.Contains(accounts, a => a.Str("account") == "creator:carol" && a.Str("kind") == "creator" && a.Long("balance") == 7);
        Assert.Contains(accounts, a => a.Str("account") == "system:allowance" && a.Str("kind") == "system" && a.Long("balance") == -2000);
        Assert.True(all.IsNull("next_cursor"));
        var userList = users.GetProperty("accounts").EnumerateArray().ToList();
        Assert.Equal(["alice", "bob"], userList.Select(a => a.Str("account")));
        Assert.Equal("FREE", userList[0].Str("tier"));
        Assert.Equal(990, userList[0].Long("balance"));

        var page1 = await server.CallContractAsync("list_accounts", """{"kind":"user","limit":1}""");
        var cursor = page1.Str("next_cursor");
        var page2 = await server.CallContractAsync("list_accounts", JsonSerializer.Serialize(new { kind = "user", limit = 1, cursor }));
        Assert.Equal("alice", Assert.Single(page1.GetProperty("accounts").EnumerateArray()).Str("account"));
        Assert.Equal("bob", Assert.Single(page2.GetProperty("accounts").EnumerateArray()).Str("account"));
        Assert.True(page2.IsNull("next_cursor"));
        Assert.Equal("kind must be one of user, creator, fab, platform, system, escrow, hold (got \"admin\")", await server.CallErrorAsync("list_accounts", """{"kind":"admin"}"""));
        Assert.Equal("cursor must be a cursor returned by this server (got \"!!\")", await server.CallErrorAsync("list_accounts", """{"cursor":"!!"}"""));
    }

    [Fact]
    public async Task VerifyLedger_ReportsABalancedChain()
    {
        await using var server = await McpTestServer.StartAsync(operatorMode: true);
        await server.CallOkAsync("charge_for_operation", """{"operation":"model.export.step"}""");
        await server.CallOkAsync("create_escrow", """{"amount":100,"job_id":"j1","fab_id":"f1"}""");

        var v = await server.CallContractAsync("verify_ledger");

        Assert.True(v.Bool("ok"));
        Assert.True(v.Bool("hash_chain_ok"));
        Assert.Equal(0, v.Long("postings_sum"));
        Assert.Equal(3, v.Long("transactions"));
        Assert.True(v.Long("accounts") >= 4);
        Assert.Equal(0, v.GetProperty("problems").GetArrayLength());
    }

    [Fact]
    public async Task ClearAccountData_NeedsTheExactConfirmation()
    {
        await using var server = await McpTestServer.StartAsync(operatorMode: true);
        await server.CallOkAsync("grant_tokens", """{"account":"bob","amount":500}""");
        await server.CallOkAsync("create_escrow", """{"account":"bob","amount":200,"job_id":"j1","fab_id":"f1"}""");
        await server.CallOkAsync("get_balance");
        var before = await LedgerSnapshot.TakeAsync(server.Ledger, "alice", "bob");

        Assert.Equal("confirm must equal \"clear bob\" (got \"clear\")", await server.CallErrorAsync("clear_account_data", """{"account":"bob","confirm":"clear"}"""));
        Assert.Equal("confirm must equal \"clear bob\" (got \"clear alice\")", await server.CallErrorAsync("clear_account_data", """{"account":"bob","confirm":"clear alice"}"""));
        Assert.Equal("confirm is required", await server.CallErrorAsync("clear_account_data", """{"account":"bob"}"""));
        Assert.Equal(before, await LedgerSnapshot.TakeAsync(server.Ledger, "alice", "bob"));

        var cleared = await server.CallContractAsync("clear_account_data", """{"account":"bob","confirm":"clear bob"}""");

        Assert.Equal("bob", cleared.Str("account"));
        Assert.True(cleared.Bool("cleared"));
        var bob = await server.CallOkAsync("get_balance", """{"account":"bob"}""");
        Assert.Equal(1000, bob.Long("balance"));
        Assert.Equal(0, bob.Long("purchased_balance"));
        Assert.Equal(0, bob.Long("held_in_escrow"));
        Assert.Empty((await server.CallOkAsync("list_escrows", """{"account":"bob"}""")).GetProperty("escrows").EnumerateArray());
        var history = (await server.CallOkAsync("get_transaction_history", """{"account":"bob"}""")).GetProperty("transactions").EnumerateArray().ToList();
        Assert.Equal("allowance", Assert.Single(history).Str("kind"));
        Assert.Equal(1000, (await server.CallOkAsync("get_balance")).Long("balance")); // alice untouched
        Assert.True((await server.Ledger.VerifyAsync()).Ok);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task AgentTools_WithAnExplicitAccount_ActForThatAccountOnly(string version)
    {
        await using var server = await McpTestServer.StartAsync(operatorMode: true, protocolVersion: version);

        var charge = await server.CallContractAsync("charge_for_operation", """{"account":"bob","operation":"model.export.step"}""");
        var escrow = await server.CallContractAsync("create_escrow", """{"account":"bob","amount":100,"job_id":"j1","fab_id":"f1"}""");
        var bob = await server.CallContractAsync("get_balance", """{"account":"bob"}""");
        var alice = await server.CallContractAsync("get_balance");
        var aliceByName = await server.CallContractAsync("get_balance", """{"account":"alice"}""");

        Assert.Equal(990, charge.Long("balance_after"));
        Assert.Equal("bob", bob.Str("account"));
        Assert.Equal(890, bob.Long("balance"));
        Assert.Equal(100, bob.Long("held_in_escrow"));
        Assert.Equal("alice", alice.Str("account"));
        Assert.Equal(1000, alice.Long("balance"));
        Assert.Equal("alice", aliceByName.Str("account"));
        var id = escrow.Str("escrow_id");
        Assert.Equal($"Escrow {id} not found", await server.CallErrorAsync("get_escrow", $$"""{"escrow_id":"{{id}}"}"""));
        Assert.Equal("held", (await server.CallOkAsync("get_escrow", $$"""{"account":"bob","escrow_id":"{{id}}"}""")).Str("status"));
        Assert.Single((await server.CallOkAsync("get_transaction_history", """{"account":"bob","kind":"charge"}""")).GetProperty("transactions").EnumerateArray());
        Assert.Empty((await server.CallOkAsync("get_transaction_history", """{"kind":"charge"}""")).GetProperty("transactions").EnumerateArray());
    }

    [Theory]
    [InlineData("get_balance", """{"account":"bob"}""")]
    [InlineData("estimate_operation", """{"account":"bob","operation":"model.export.step"}""")]
    [InlineData("get_transaction_history", """{"account":"bob"}""")]
    [InlineData("get_usage", """{"account":"bob"}""")]
    [InlineData("get_escrow", """{"account":"bob","escrow_id":"esc_000001"}""")]
    [InlineData("list_escrows", """{"account":"bob"}""")]
    [InlineData("get_tier", """{"account":"bob"}""")]
    [InlineData("export_transactions", """{"account":"bob"}""")]
    [InlineData("export_transactions", """{"account":"bob","format":"json"}""")]
    [InlineData("export_account_data", """{"account":"bob"}""")]
    public async Task Reads_OfAnotherAccountThatDoesNotExist_AreRefused_AndCreateNothing(string tool, string args)
    {
        await using var server = await McpTestServer.StartAsync(operatorMode: true);
        // The bound account is still created on first use, by a read without an account.
        await server.CallOkAsync("get_balance");

        var error = await server.CallErrorAsync(tool, args);
        var users = await server.CallOkAsync("list_accounts", """{"kind":"user"}""");

        Assert.Equal("account 'bob' does not exist", error);
        Assert.Equal(["alice"], users.GetProperty("accounts").EnumerateArray().Select(a => a.Str("account")));
    }

    [Fact]
    public async Task AgentTools_WithAnInvalidAccount_AreRefused()
    {
        await using var server = await McpTestServer.StartAsync(operatorMode: true);
        await server.CallOkAsync("get_balance");
        var before = await LedgerSnapshot.TakeAsync(server.Ledger, "alice");

        Assert.Equal(ReservedRule + " (got \"platform\")", await server.CallErrorAsync("spend_tokens", """{"account":"platform","amount":5,"operation":"x"}"""));
        Assert.Equal(ReservedRule + " (got \"escrow:esc_000001\")", await server.CallErrorAsync("get_balance", """{"account":"escrow:esc_000001"}"""));
        Assert.Equal("account must be 1-64 characters of A-Z, a-z, 0-9, '.', '_', ':', '@', '-' (got \"bob smith\")", await server.CallErrorAsync("get_balance", """{"account":"bob smith"}"""));
        Assert.Equal("account must be a string (got 7)", await server.CallErrorAsync("get_balance", """{"account":7}"""));
        Assert.Equal(before, await LedgerSnapshot.TakeAsync(server.Ledger, "alice"));
    }
}
