using System.Text.Json;
using CycleTokens.Core.Receipts;
using CycleTokens.Mcp.Hosting;
using CycleTokens.Mcp.Tests.Support;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Tools;

/// <summary>
/// Agent-billing spec §3 through a real client: every tool that moves tokens returns a <c>receipt</c> that verifies
/// against <c>tokens://receipts/keys</c> and states the result's figures; a keyed retry returns the same receipt.
/// </summary>
public sealed class ReceiptToolTests
{
    public static TheoryData<string> Versions => [McpTestServer.Legacy, McpTestServer.Modern];

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task ChargeForOperation_ReturnsAReceipt_ThatVerifiesAgainstTheKeysResource_AndStatesTheCharge(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);

        var charge = await server.CallContractAsync("charge_for_operation", """{"operation":"model.export.step","quantity":10,"creator_id":"bob"}""");
        var claims = await VerifiedAsync(server, charge);

        Assert.Equal(
            (charge.Str("transaction_id"), "alice", "charge", "model.export.step", (long?)10, charge.Long("charged"), charge.Long("creator_share"), charge.Long("platform_share"), charge.Long("balance_after"), charge.Str("timestamp")),
            (claims.TransactionId, claims.Account, claims.Kind, claims.Operation, claims.Quantity, claims.Amount, claims.CreatorShare, claims.PlatformShare, claims.BalanceAfter, claims.Timestamp));
        Assert.Equal(64, claims.ChainHash.Length);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task ChargeForOperation_RetriedWithTheSameKey_ReturnsTheSameReceipt_InTheResultAndItsText(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);
        const string args = """{"operation":"model.export.step","idempotency_key":"job-7"}""";

        var first = await server.CallAsync("charge_for_operation", args);
        var again = await server.CallAsync("charge_for_operation", args);

        var receipt = first.StructuredContent!.Value.Str("receipt");
        Assert.NotNull(receipt);
        Assert.True(again.StructuredContent!.Value.Bool("replayed"));
        Assert.Equal(receipt, again.StructuredContent!.Value.Str("receipt"));
        using var text = JsonDocument.Parse(McpTestServer.Text(again));
        Assert.Equal(receipt, text.RootElement.Str("receipt"));
    }

    [Fact]
    public async Task EveryAgentToolThatMovesTokens_ReturnsAReceiptOfItsOwnMovement()
    {
        await using var server = await McpTestServer.StartAsync();

        var spend = await server.CallContractAsync("spend_tokens", """{"amount":30,"operation":"custom.render"}""");
        var hold = await server.CallContractAsync("create_escrow", """{"amount":200,"job_id":"job-1","fab_id":"acme"}""");
        var release = await server.CallContractAsync("release_escrow", $$"""{"escrow_id":"{{hold.Str("escrow_id")}}"}""");
        var second = await server.CallContractAsync("create_escrow", """{"amount":50,"job_id":"job-2","fab_id":"acme"}""");
        var cancel = await server.CallContractAsync("cancel_escrow", $$"""{"escrow_id":"{{second.Str("escrow_id")}}"}""");
        var purchase = await server.CallContractAsync("purchase_tokens", """{"tokens":1000,"method":"card"}""");
        var reserved = await server.CallContractAsync("reserve_operation", """{"operation":"ai.design_review","quantity":2}""");
        var settle = await server.CallContractAsync("settle_reservation", $$"""{"reservation_id":"{{reserved.Str("reservation_id")}}","quantity":1}""");

        Assert.Equal(("spend", 30L, spend.Long("balance_after")), Figures(await VerifiedAsync(server, spend)));
        Assert.Equal(("escrow_hold", 200L, hold.Long("balance_after")), Figures(await VerifiedAsync(server, hold)));
        Assert.Equal(("escrow_release", 200L, release.Long("balance_after")), Figures(await VerifiedAsync(server, release)));
        Assert.Equal(("escrow_cancel", 50L, cancel.Long("balance_after")), Figures(await VerifiedAsync(server, cancel)));
        Assert.Equal(JsonValueKind.Null, purchase.GetProperty("receipt").ValueKind);
        // A settle is a charge: its receipt states the charge, paid from the hold, and the balance after the settle.
        Assert.Equal(("charge", 15L, settle.Long("balance_after")), Figures(await VerifiedAsync(server, settle)));
    }

    [Fact]
    public async Task OperatorToolsThatMoveTokens_ReturnReceipts_ThatMatchTheLedger()
    {
        await using var server = await McpTestServer.StartAsync(operatorMode: true);
        var charge = await server.CallContractAsync("charge_for_operation", """{"account":"bob","operation":"model.export.step","creator_id":"carol"}""");
        var pending = await server.CallContractAsync("purchase_tokens", """{"account":"bob","tokens":500,"method":"card"}""");

        var grant = await server.CallContractAsync("grant_tokens", """{"account":"bob","amount":250}""");
        var completed = await server.CallContractAsync("complete_purchase", $$"""{"purchase_id":"{{pending.Str("purchase_id")}}"}""");
        var refund = await server.CallContractAsync("refund_transaction", $$"""{"transaction_id":"{{charge.Str("transaction_id")}}","reason":"export failed"}""");

        foreach (var (result, kind) in new[] { (grant, "grant"), (completed, "purchase"), (refund, "refund") })
        {
            var claims = await VerifiedAsync(server, result);
            Assert.Equal(("bob", kind, result.Long("balance_after")), (claims.Account, claims.Kind, claims.BalanceAfter));
            Assert.True((await server.Ledger.CheckReceiptAsync(claims)).Matches, kind);
        }

        Assert.Equal(-charge.Long("creator_share"), (await VerifiedAsync(server, refund)).CreatorShare);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task ReceiptKeysResource_IsTheJwkSetOfTheKeyFile_AndFollowsARotation(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);
        var before = await server.CallContractAsync("spend_tokens", """{"amount":5,"operation":"custom.render"}""");
        var keyFile = server.Ledger.ReceiptKeys!.Path;

        var first = await ReadKeysAsync(server);
        using (var rotator = await ReceiptKeyRing.OpenAsync(keyFile))
        {
            await rotator.RotateAsync(); // as `cycletokens receipts rotate` would, from another process
        }

        var rotated = await ReadKeysAsync(server);
        var after = await server.CallContractAsync("spend_tokens", """{"amount":5,"operation":"custom.render"}""");

        Assert.Equal([server.Ledger.ReceiptKeys.CurrentKid], first.Keys.Select(k => k.Kid));
        Assert.Equal((await ReceiptKeyRing.LoadPublicKeysAsync(keyFile)).Keys, rotated.Keys);
        Assert.Equal(2, rotated.Keys.Count);
        Assert.True(ReceiptVerifier.Verify(before.Str("receipt")!, rotated).IsValid);
        Assert.True(ReceiptVerifier.Verify(after.Str("receipt")!, rotated).IsValid);
    }

    private static (string Kind, long Amount, long BalanceAfter) Figures(ReceiptClaims claims) => (claims.Kind, claims.Amount, claims.BalanceAfter);

    [Fact]
    public async Task ARotationByAnotherProcess_SignsTheServersNextReceipts_AfterItsWatcherLooks()
    {
        await using var server = await McpTestServer.StartAsync(hostOnTheFakeClock: true);
        var keys = server.Ledger.ReceiptKeys!;
        var before = await VerifiedAsync(server, await server.CallContractAsync("charge_for_operation", """{"operation":"model.export.step"}"""));
        string rotated;
        using (var rotator = await ReceiptKeyRing.OpenAsync(keys.Path))
        {
            await rotator.RotateAsync();
            rotated = rotator.CurrentKid;
        }

        server.Clock.Advance(ReceiptKeyWatcher.Interval);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (keys.CurrentKid != rotated && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var after = await VerifiedAsync(server, await server.CallContractAsync("charge_for_operation", """{"operation":"model.export.step"}"""));
        Assert.NotEqual(rotated, before.Kid);
        Assert.Equal(rotated, after.Kid);
    }

    private static async Task<ReceiptClaims> VerifiedAsync(McpTestServer server, JsonElement result)
    {
        var receipt = result.Str("receipt");
        Assert.NotNull(receipt);
        var verification = ReceiptVerifier.Verify(receipt, await ReadKeysAsync(server));
        Assert.Equal(ReceiptCheck.Valid, verification.Outcome);
        return verification.Claims!;
    }

    private static async Task<JwkSet> ReadKeysAsync(McpTestServer server)
    {
        var result = await server.Client.ReadResourceAsync("tokens://receipts/keys");
        var content = Assert.IsType<TextResourceContents>(Assert.Single(result.Contents));
        Assert.Equal("application/jwk-set+json", content.MimeType);
        return JwkSet.Parse(content.Text);
    }
}
