using System.Text.Json.Nodes;
using CycleTokens.Mcp.Tests.Support;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Events;

/// <summary>
/// Engine events reach clients that asked for logs as notifications/message (logger cycletokens.events). The recorder
/// sees messages in wire order, and the server sends a request's notifications before its response, so once a call has
/// returned, every event it caused has been recorded: absence can be asserted without waiting.
/// </summary>
public sealed class EventNotificationTests
{
    private const string Logger = "cycletokens.events";

    public static TheoryData<string> Versions => [McpTestServer.Legacy, McpTestServer.Modern];

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Charge_SendsTokenSpentWithItsData(string version)
    {
        var (server, recorder) = await StartListeningAsync(version);
        await using var _ = server;

        var charge = await server.CallOkAsync("charge_for_operation", """{"operation":"ai.design_review","creator_id":"bob"}""");

        var e = await WaitForEventAsync(recorder, "token-spent");
        Assert.Equal("info", e.Level);
        Assert.Equal("alice", e.Data["account"]!.GetValue<string>());
        Assert.Equal(15, e.Data["amount"]!.GetValue<long>());
        Assert.Equal("ai.design_review", e.Data["operation"]!.GetValue<string>());
        Assert.Equal(charge.GetProperty("transaction_id").GetString(), e.Data["transaction_id"]!.GetValue<string>());
        Assert.Equal("bob", e.Data["creator_id"]!.GetValue<string>());
        Assert.Equal(11, e.Data["creator_share"]!.GetValue<long>());
        Assert.Equal(4, e.Data["platform_share"]!.GetValue<long>());
        Assert.Equal(985, e.Data["balance"]!.GetValue<long>());
        Assert.Equal("2026-03-15T10:00:00.000Z", e.Data["timestamp"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task AgentActions_SendTheirEvents(string version)
    {
        var (server, recorder) = await StartListeningAsync(version);
        await using var _ = server;

        await server.CallOkAsync("spend_tokens", """{"amount":40,"operation":"custom.render"}""");
        var escrow = await server.CallOkAsync("create_escrow", """{"amount":100,"job_id":"j1","fab_id":"acme"}""");
        var id = escrow.GetProperty("escrow_id").GetString();
        await server.CallOkAsync("release_escrow", $$"""{"escrow_id":"{{id}}"}""");
        var second = (await server.CallOkAsync("create_escrow", """{"amount":50,"job_id":"j2","fab_id":"acme"}""")).GetProperty("escrow_id").GetString();
        await server.CallOkAsync("cancel_escrow", $$"""{"escrow_id":"{{second}}"}""");
        var purchase = await server.CallOkAsync("purchase_tokens", """{"tokens":1000,"method":"card"}""");

        Assert.Equal(
            ["token-added", "token-spent", "escrow-created", "escrow-released", "escrow-created", "escrow-cancelled", "purchase-initiated"],
            Events(recorder).Select(e => e.Name));
        var added = Events(recorder)[0];
        Assert.Equal("allowance", added.Data["source"]!.GetValue<string>());
        Assert.Equal(1000, added.Data["amount"]!.GetValue<long>());
        var created = Events(recorder)[2];
        Assert.Equal(id, created.Data["escrow_id"]!.GetValue<string>());
        Assert.Equal(100, created.Data["amount"]!.GetValue<long>());
        Assert.Equal("j1", created.Data["job_id"]!.GetValue<string>());
        Assert.Equal("acme", created.Data["fab_id"]!.GetValue<string>());
        Assert.Equal(860, created.Data["balance"]!.GetValue<long>());
        Assert.Equal(id, Events(recorder)[3].Data["escrow_id"]!.GetValue<string>());
        var cancelled = Events(recorder)[5];
        Assert.Equal(50, cancelled.Data["returned"]!.GetValue<long>());
        Assert.Equal(860, cancelled.Data["balance"]!.GetValue<long>());
        var initiated = Events(recorder)[6];
        Assert.Equal(purchase.GetProperty("purchase_id").GetString(), initiated.Data["purchase_id"]!.GetValue<string>());
        Assert.Equal(1000, initiated.Data["tokens"]!.GetValue<long>());
        Assert.Equal("10.00", initiated.Data["amount_eur"]!.GetValue<string>());
        Assert.Equal("card", initiated.Data["method"]!.GetValue<string>());
        Assert.All(Events(recorder), e => Assert.Equal("alice", e.Data["account"]!.GetValue<string>()));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task OperatorActions_OnTheBoundAccount_SendTheirEvents(string version)
    {
        var (server, recorder) = await StartListeningAsync(version, operatorMode: true);
        await using var _ = server;
        await server.CallOkAsync("get_balance");
        var purchase = (await server.CallOkAsync("purchase_tokens", """{"tokens":1000,"method":"btc"}""")).GetProperty("purchase_id").GetString();

        await server.CallOkAsync("grant_tokens", """{"account":"alice","amount":300}""");
        await server.CallOkAsync("complete_purchase", $$"""{"purchase_id":"{{purchase}}"}""");
        await server.CallOkAsync("set_tier", """{"account":"alice","tier":"PRO"}""");
        await server.CallOkAsync("clear_account_data", """{"account":"alice","confirm":"clear alice"}""");

        var events = Events(recorder).Skip(2).ToList(); // after the first allowance and the purchase
        Assert.Equal(["token-added", "token-added", "tier-changed", "data-cleared"], events.Select(e => e.Name));
        Assert.Equal("grant", events[0].Data["source"]!.GetValue<string>());
        Assert.Equal(1300, events[0].Data["balance"]!.GetValue<long>());
        Assert.Equal("purchase", events[1].Data["source"]!.GetValue<string>());
        Assert.Equal(2300, events[1].Data["balance"]!.GetValue<long>());
        Assert.Equal("FREE", events[2].Data["old_tier"]!.GetValue<string>());
        Assert.Equal("PRO", events[2].Data["tier"]!.GetValue<string>());
        Assert.Equal(11300, events[2].Data["balance"]!.GetValue<long>());
        Assert.Equal(11300, events[3].Data["cleared"]!.GetValue<long>());
        Assert.Equal(1000, events[3].Data["balance"]!.GetValue<long>());
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task MonthTurn_SendsMonthResetWithAnIsoMonthStart(string version)
    {
        var (server, recorder) = await StartListeningAsync(version);
        await using var _ = server;
        await server.CallOkAsync("spend_tokens", """{"amount":100,"operation":"custom.render"}""");

        server.Clock.Advance(TimeSpan.FromDays(20)); // 2026-04-04
        await server.CallOkAsync("get_balance");

        var reset = await WaitForEventAsync(recorder, "month-reset");
        Assert.Equal("2026-04-01T00:00:00.000Z", reset.Data["month_start"]!.GetValue<string>());
        Assert.Equal(900, reset.Data["expired"]!.GetValue<long>());
        Assert.Equal(1000, reset.Data["allowance"]!.GetValue<long>());
        Assert.Equal("FREE", reset.Data["tier"]!.GetValue<string>());
        Assert.Equal(1000, reset.Data["balance"]!.GetValue<long>());
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task MonthTurn_ReachedThroughAPromptOrResource_IsStillSent(string version)
    {
        var (server, recorder) = await StartListeningAsync(version);
        await using var _ = server;
        await server.CallOkAsync("get_balance");

        server.Clock.Advance(TimeSpan.FromDays(20));
        await server.Client.GetPromptAsync("cost_report");
        server.Clock.Advance(TimeSpan.FromDays(31)); // 2026-05
        await server.Client.ReadResourceAsync("tokens://balance");

        Assert.Equal(2, Events(recorder).Count(e => e.Name == "month-reset"));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task ClientThatDidNotAskForLogs_GetsNoEvents(string version)
    {
        RecordingTransport? recorder = null;
        await using var server = await McpTestServer.StartAsync(protocolVersion: version, wrapTransport: t => recorder = new RecordingTransport(t));

        await server.CallOkAsync("get_balance");
        await server.CallOkAsync("charge_for_operation", """{"operation":"model.export.step"}""");
        await server.CallOkAsync("create_escrow", """{"amount":100,"job_id":"j1","fab_id":"acme"}""");

        Assert.Empty(recorder!.Notifications(NotificationMethods.LoggingMessageNotification));
    }

    [Fact]
    public async Task LegacyClient_EventsStartOnlyOnceItSetsALevel()
    {
        RecordingTransport? recorder = null;
        await using var server = await McpTestServer.StartAsync(protocolVersion: McpTestServer.Legacy, wrapTransport: t => recorder = new RecordingTransport(t));
        await server.CallOkAsync("spend_tokens", """{"amount":5,"operation":"before.level"}""");
        Assert.Empty(recorder!.Notifications(NotificationMethods.LoggingMessageNotification));

        await server.Client.SetLoggingLevelAsync(LoggingLevel.Info);
        await server.CallOkAsync("spend_tokens", """{"amount":5,"operation":"after.level"}""");

        Assert.Equal("after.level", Assert.Single(Events(recorder)).Data["operation"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task LevelAboveInfo_FiltersEventsOut(string version)
    {
        RecordingTransport? recorder = null;
        await using var server = await McpTestServer.StartAsync(
            protocolVersion: version,
            perRequestLogLevel: version == McpTestServer.Modern ? LoggingLevel.Warning : null,
            wrapTransport: t => recorder = new RecordingTransport(t));
        if (version == McpTestServer.Legacy)
        {
            await server.Client.SetLoggingLevelAsync(LoggingLevel.Warning);
        }

        await server.CallOkAsync("charge_for_operation", """{"operation":"model.export.step"}""");

        Assert.Empty(recorder!.Notifications(NotificationMethods.LoggingMessageNotification));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task OperatorActingForAnotherAccount_SendsNoEventsAsTheBoundAccounts(string version)
    {
        var (server, recorder) = await StartListeningAsync(version, operatorMode: true);
        await using var _ = server;
        await server.CallOkAsync("get_balance");
        var before = Events(recorder).Count;

        await server.CallOkAsync("grant_tokens", """{"account":"bob","amount":500}""");
        await server.CallOkAsync("charge_for_operation", """{"account":"bob","operation":"model.export.step"}""");
        await server.CallOkAsync("create_escrow", """{"account":"bob","amount":100,"job_id":"j1","fab_id":"acme"}""");
        await server.CallOkAsync("set_tier", """{"account":"bob","tier":"PRO"}""");
        await server.CallOkAsync("clear_account_data", """{"account":"bob","confirm":"clear bob"}""");

        Assert.Equal(before, Events(recorder).Count);
        Assert.DoesNotContain(Events(recorder), e => e.Data["account"]!.GetValue<string>() == "bob");

        // The bound account's own events still come through on the same session.
        await server.CallOkAsync("spend_tokens", """{"amount":5,"operation":"custom.render"}""");
        Assert.Equal("token-spent", (await WaitForEventAsync(recorder, "token-spent")).Name);
    }

    [Fact]
    public async Task FailedCall_SendsNoEvents()
    {
        var (server, recorder) = await StartListeningAsync(McpTestServer.Legacy);
        await using var _ = server;
        await server.CallOkAsync("get_balance");
        var before = Events(recorder).Count;

        await server.CallErrorAsync("spend_tokens", """{"amount":5000,"operation":"custom.render"}""");
        await server.CallErrorAsync("spend_tokens", """{"amount":-1,"operation":"custom.render"}""");

        Assert.Equal(before, Events(recorder).Count);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Reservations_SendTheirEvents_TheSettleAlsoTokenSpent(string version)
    {
        var (server, recorder) = await StartListeningAsync(version);
        await using var _ = server;
        await server.CallOkAsync("get_balance");
        var before = Events(recorder).Count;

        var reserved = (await server.CallOkAsync("reserve_operation", """{"operation":"ai.design_review","quantity":2}""")).GetProperty("reservation_id").GetString();
        await server.CallOkAsync("settle_reservation", $$"""{"reservation_id":"{{reserved}}","quantity":1}""");
        var voided = (await server.CallOkAsync("reserve_operation", """{"operation":"ai.design_review"}""")).GetProperty("reservation_id").GetString();
        await server.CallOkAsync("void_reservation", $$"""{"reservation_id":"{{voided}}"}""");

        var events = Events(recorder).Skip(before).ToList();
        Assert.Equal(["reservation-created", "token-spent", "reservation-settled", "reservation-created", "reservation-voided"], events.Select(e => e.Name));
        Assert.Equal((reserved, 30L, "2026-03-15T10:15:00.000Z"), (events[0].Data["reservation_id"]!.GetValue<string>(), events[0].Data["held"]!.GetValue<long>(), events[0].Data["expires_at"]!.GetValue<string>()));
        Assert.Equal((15L, 15L, 985L), (events[2].Data["charged"]!.GetValue<long>(), events[2].Data["released"]!.GetValue<long>(), events[2].Data["balance"]!.GetValue<long>()));
        // The settle's charge put the review in the discount cache: the second reservation held 10% of 15, rounded up.
        Assert.Equal(("voided", 2L), (events[4].Data["reason"]!.GetValue<string>(), events[4].Data["released"]!.GetValue<long>()));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task LowBalance_IsSentOncePerCrossing_WithBalanceAndThreshold(string version)
    {
        var (server, recorder) = await StartListeningAsync(version);
        await using var _ = server;

        var crossing = await server.CallOkAsync("spend_tokens", """{"amount":950,"operation":"custom.render"}""");
        await server.CallOkAsync("spend_tokens", """{"amount":10,"operation":"custom.render"}""");

        var names = Events(recorder).Select(e => e.Name).ToList();
        Assert.Equal(["token-added", "token-spent", "low-balance", "token-spent"], names);
        var alert = Events(recorder)[2];
        Assert.Equal("alice", alert.Data["account"]!.GetValue<string>());
        Assert.Equal(50, alert.Data["balance"]!.GetValue<long>());
        Assert.Equal(100, alert.Data["threshold"]!.GetValue<long>());
        Assert.Equal(crossing.GetProperty("transaction_id").GetString(), alert.Data["transaction_id"]!.GetValue<string>());
    }

    private static async Task<(McpTestServer Server, RecordingTransport Recorder)> StartListeningAsync(string version, bool operatorMode = false)
    {
        RecordingTransport? recorder = null;
        var server = await McpTestServer.StartAsync(
            operatorMode: operatorMode,
            protocolVersion: version,
            perRequestLogLevel: version == McpTestServer.Modern ? LoggingLevel.Info : null,
            wrapTransport: t => recorder = new RecordingTransport(t));
        if (version == McpTestServer.Legacy)
        {
            await server.Client.SetLoggingLevelAsync(LoggingLevel.Info);
        }

        return (server, recorder!);
    }

    private static async Task<LoggedEvent> WaitForEventAsync(RecordingTransport recorder, string name)
    {
        var message = await recorder.WaitForAsync(
            m => m is JsonRpcNotification n && n.Method == NotificationMethods.LoggingMessageNotification && LoggedEvent.From(n).Name == name,
            TimeSpan.FromSeconds(30));
        return LoggedEvent.From((JsonRpcNotification)message);
    }

    private static List<LoggedEvent> Events(RecordingTransport recorder) =>
        [.. recorder.Notifications(NotificationMethods.LoggingMessageNotification).Select(LoggedEvent.From).Where(e => e.Logger == Logger)];

    private sealed record LoggedEvent(string? Level, string? Logger, string? Name, JsonObject Data)
    {
        public static LoggedEvent From(JsonRpcNotification n)
        {
            var data = n.Params?["data"] as JsonObject ?? [];
            return new(n.Params?["level"]?.GetValue<string>(), n.Params?["logger"]?.GetValue<string>(), data["event"]?.GetValue<string>(), data);
        }
    }
}
