using System.Text.Json;
using System.Text.Json.Nodes;
using CycleTokens.Core.Escrows;
using CycleTokens.Mcp.Tests.Support;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Resources;

public sealed class ResourceTests
{
    public static TheoryData<string> Versions => [McpTestServer.Legacy, McpTestServer.Modern];

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task ListResources_OffersTheContractsResourcesAndEscrowTemplate(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);

        var resources = await server.Client.ListResourcesAsync();
        var templates = await server.Client.ListResourceTemplatesAsync();

        Assert.Equal(
            [("tokens://balance", "application/json"), ("tokens://pricing", "application/json"), ("tokens://receipts/keys", "application/jwk-set+json"), ("tokens://transactions.csv", "text/csv"), ("tokens://usage", "application/json")],
            resources.Select(r => (r.Uri, r.MimeType)).OrderBy(r => r.Uri, StringComparer.Ordinal));
        var template = Assert.Single(templates);
        Assert.Equal("tokens://escrows/{escrow_id}", template.UriTemplate);
        Assert.Equal("application/json", template.MimeType);
        Assert.True(server.Client.ServerCapabilities.Resources?.Subscribe);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Balance_ReadsAsTheGetBalanceResult(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);
        await server.CallOkAsync("spend_tokens", """{"amount":120,"operation":"custom.render"}""");

        var (mime, text) = await ReadAsync(server, "tokens://balance");
        var tool = await server.CallOkAsync("get_balance");

        Assert.Equal("application/json", mime);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(text), JsonSerializer.SerializeToNode(tool)), $"resource {text} differs from tool {tool}");
        Assert.Equal(880, JsonNode.Parse(text)!["balance"]!.GetValue<long>());
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Usage_ReadsAsTheGetUsageResultOfTheBoundAccount(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);
        await server.CallOkAsync("charge_for_operation", """{"operation":"model.export.step"}""");
        await server.CallOkAsync("spend_tokens", """{"amount":40,"operation":"custom.render"}""");
        await server.Ledger.SpendAsync("bob", 5, "custom.render"); // another account: not in alice's usage

        var (mime, text) = await ReadAsync(server, "tokens://usage");
        var tool = await server.CallOkAsync("get_usage");

        Assert.Equal("application/json", mime);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(text), JsonSerializer.SerializeToNode(tool)), $"resource {text} differs from tool {tool}");
        Assert.Equal(50, JsonNode.Parse(text)!["used"]!.GetValue<long>());
    }

    [Fact]
    public async Task Pricing_HoldsCatalogueTiersDiscountsAndPacks()
    {
        await using var server = await McpTestServer.StartAsync();

        var (mime, text) = await ReadAsync(server, "tokens://pricing");

        Assert.Equal("application/json", mime);
        var pricing = JsonNode.Parse(text)!;
        Assert.Equal(32, pricing["operations"]!.AsArray().Count);
        Assert.Contains(pricing["operations"]!.AsArray(), o => o!["operation"]!.GetValue<string>() == "model.export.step" && o["price"]!.GetValue<long>() == 10);
        Assert.Equal(5, pricing["default_price"]!.GetValue<long>());
        Assert.Equal(["FREE", "PRO", "ENTERPRISE"], pricing["tiers"]!.AsArray().Select(t => t!["tier"]!.GetValue<string>()));
        Assert.Equal(24, pricing["cache_discount"]!["window_hours"]!.GetValue<long>());
        Assert.Equal(2, pricing["batch_discounts"]!.AsArray().Count);
        Assert.Equal(["10.00", "50.00", "90.00"], pricing["purchase"]!["packs"]!.AsArray().Select(p => p!["price_eur"]!.GetValue<string>()));
        Assert.Equal(["card", "usdc", "eth", "btc"], pricing["purchase"]!["methods"]!.AsArray().Select(m => m!.GetValue<string>()));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task TransactionsCsv_IsTheBoundAccountsExport(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);
        await server.CallOkAsync("charge_for_operation", """{"operation":"model.export.step"}""");
        await server.Ledger.SpendAsync("bob", 5, "custom.render"); // another account: not in alice's export

        var (mime, text) = await ReadAsync(server, "tokens://transactions.csv");
        var export = await server.CallOkAsync("export_transactions");

        Assert.Equal("text/csv", mime);
        var lines = text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("date,transaction_id,type,kind,operation,amount,balance_after,counterparty", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.Contains(",charge,model.export.step,10,990,platform", lines[2], StringComparison.Ordinal);
        Assert.Equal(export.GetProperty("content").GetString(), text);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Escrow_ReadsOneOfTheBoundAccountsEscrows(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);
        var created = await server.CallOkAsync("create_escrow", """{"amount":250,"job_id":"job-9","fab_id":"acme"}""");
        var id = created.GetProperty("escrow_id").GetString();

        var (mime, text) = await ReadAsync(server, $"tokens://escrows/{id}");
        var tool = await server.CallOkAsync("get_escrow", $$"""{"escrow_id":"{{id}}"}""");

        Assert.Equal("application/json", mime);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(text), JsonSerializer.SerializeToNode(tool)), $"resource {text} differs from tool {tool}");
        Assert.Equal("held", JsonNode.Parse(text)!["status"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Escrow_OfAnotherAccountOrUnknown_IsAnErrorNotData(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);
        var bobs = await server.Ledger.CreateEscrowAsync("bob", new EscrowRequest(100, "bob-job", "acme"));
        var notFound = version == McpTestServer.Legacy ? McpErrorCode.ResourceNotFound : McpErrorCode.InvalidParams;

        var other = await Assert.ThrowsAsync<McpProtocolException>(() => ReadAsync(server, $"tokens://escrows/{bobs.Escrow.Id}"));
        var unknown = await Assert.ThrowsAsync<McpProtocolException>(() => ReadAsync(server, "tokens://escrows/esc_999999"));
        var invalid = await Assert.ThrowsAsync<McpProtocolException>(() => ReadAsync(server, "tokens://escrows/..%2F..%2Fetc"));
        var empty = await Assert.ThrowsAsync<McpProtocolException>(() => ReadAsync(server, "tokens://escrows/"));
        var nothing = await Assert.ThrowsAsync<McpProtocolException>(() => ReadAsync(server, "tokens://secrets"));

        Assert.Equal(notFound, other.ErrorCode);
        Assert.Contains($"Resource not found: 'tokens://escrows/{bobs.Escrow.Id}'", other.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("bob", other.Message, StringComparison.Ordinal);
        Assert.Equal(notFound, unknown.ErrorCode);
        Assert.Equal(McpErrorCode.InvalidParams, invalid.ErrorCode);
        Assert.Contains("escrow_id must be an id returned by this server", invalid.Message, StringComparison.Ordinal);
        Assert.Equal(notFound, empty.ErrorCode);
        Assert.Equal(notFound, nothing.ErrorCode);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task BalanceSubscription_AChargeSendsAnUpdate(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);
        await server.CallOkAsync("get_balance");
        await using var subscription = await ResourceSubscription.StartAsync(server, version);

        await server.CallOkAsync("charge_for_operation", """{"operation":"model.export.step"}""");
        var update = await subscription.NextUpdateAsync();

        Assert.Equal("tokens://balance", update.Params?["uri"]?.GetValue<string>());
        if (version == McpTestServer.Modern)
        {
            // The stream's updates carry the listen request's id, as its acknowledgement did.
            var subscriptionId = subscription.Acknowledgement?["_meta"]?[MetaKeys.SubscriptionId];
            Assert.NotNull(subscriptionId);
            Assert.True(JsonNode.DeepEquals(subscriptionId, update.Params?["_meta"]?[MetaKeys.SubscriptionId]), update.Params?.ToJsonString());
            Assert.Equal(["tokens://balance"], subscription.Acknowledgement!["notifications"]!["resourceSubscriptions"]!.AsArray().Select(u => u!.GetValue<string>()));
        }
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task BalanceSubscription_EachBalanceChangingToolSendsAnUpdate(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);
        await server.CallOkAsync("get_balance");
        await using var subscription = await ResourceSubscription.StartAsync(server, version);

        await server.CallOkAsync("spend_tokens", """{"amount":5,"operation":"custom.render"}""");
        Assert.Equal("tokens://balance", (await subscription.NextUpdateAsync()).Params?["uri"]?.GetValue<string>());
        var escrow = await server.CallOkAsync("create_escrow", """{"amount":50,"job_id":"j1","fab_id":"f1"}""");
        Assert.Equal("tokens://balance", (await subscription.NextUpdateAsync()).Params?["uri"]?.GetValue<string>());
        await server.CallOkAsync("cancel_escrow", $$"""{"escrow_id":"{{escrow.GetProperty("escrow_id").GetString()}}"}""");
        Assert.Equal("tokens://balance", (await subscription.NextUpdateAsync()).Params?["uri"]?.GetValue<string>());
    }

    [Fact]
    public async Task BalanceSubscription_AfterUnsubscribe_SendsNoUpdate()
    {
        RecordingTransport? recorder = null;
        await using var server = await McpTestServer.StartAsync(wrapTransport: t => recorder = new RecordingTransport(t));
        await server.CallOkAsync("get_balance");
        await server.Client.SubscribeToResourceAsync("tokens://balance");
        await server.CallOkAsync("spend_tokens", """{"amount":5,"operation":"custom.render"}""");
        Assert.Single(recorder!.Notifications(NotificationMethods.ResourceUpdatedNotification));

        await server.Client.UnsubscribeFromResourceAsync("tokens://balance");
        await server.CallOkAsync("spend_tokens", """{"amount":5,"operation":"custom.render"}""");

        // Updates go out before the call's response, so by now any update would have been recorded.
        Assert.Single(recorder.Notifications(NotificationMethods.ResourceUpdatedNotification));
    }

    [Fact]
    public async Task BalanceSubscription_ChangesOfAnotherAccountSendNoUpdate()
    {
        RecordingTransport? recorder = null;
        await using var server = await McpTestServer.StartAsync(operatorMode: true, wrapTransport: t => recorder = new RecordingTransport(t));
        await server.CallOkAsync("get_balance");
        await server.Client.SubscribeToResourceAsync("tokens://balance");

        await server.CallOkAsync("grant_tokens", """{"account":"bob","amount":500}""");
        await server.CallOkAsync("spend_tokens", """{"account":"bob","amount":5,"operation":"custom.render"}""");

        Assert.Empty(recorder!.Notifications(NotificationMethods.ResourceUpdatedNotification));
    }

    [Fact]
    public async Task ModernRevision_ListenGrantsOnlyExistingResources()
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: McpTestServer.Modern);

        await using var subscription = await ResourceSubscription.StartAsync(server, McpTestServer.Modern, "tokens://secrets");

        Assert.Empty(subscription.Acknowledgement!["notifications"]!["resourceSubscriptions"]?.AsArray() ?? []);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task ReceiptKeys_ReadsAsTheKeyFilesPublicKeys_ThatVerifyAToolsReceipt(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);
        var spend = await server.CallOkAsync("spend_tokens", """{"amount":40,"operation":"custom.render"}""");

        var (mime, text) = await ReadAsync(server, "tokens://receipts/keys");
        var keys = Core.Receipts.JwkSet.Parse(text);

        Assert.Equal("application/jwk-set+json", mime);
        Assert.Equal((await Core.Receipts.ReceiptKeyRing.LoadPublicKeysAsync(server.Ledger.ReceiptKeys!.Path)).Keys, keys.Keys);
        Assert.DoesNotContain("\"d\"", text, StringComparison.Ordinal);
        Assert.True(Core.Receipts.ReceiptVerifier.Verify(spend.GetProperty("receipt").GetString()!, keys).IsValid);
    }

    private static async Task<(string? Mime, string Text)> ReadAsync(McpTestServer server, string uri)
    {
        var result = await server.Client.ReadResourceAsync(uri);
        var content = Assert.IsType<TextResourceContents>(Assert.Single(result.Contents));
        Assert.Equal(uri, content.Uri);
        return (content.MimeType, content.Text);
    }
}
