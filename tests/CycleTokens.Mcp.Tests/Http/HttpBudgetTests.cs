using CycleTokens.Core.Keys;
using CycleTokens.Mcp.Tests.Support;

namespace CycleTokens.Mcp.Tests.Http;

/// <summary>
/// Over HTTP a budget belongs to the request's credential: an API key's own (read with the key on every request), or
/// for a JWT the server's budget flags. Confirmation works over a 2025-11-25 session and over stateless 2026-07-28.
/// </summary>
public sealed class HttpBudgetTests
{
    private const string Parametric = """{"operation":"model.download.parametric"}""";

    public static TheoryData<string> Versions => [McpTestServer.Legacy, McpTestServer.Modern];

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task AKeyWithConfirmAbove_AsksTheUser_AcceptedChargesAndDeclinedWritesNothing(string version)
    {
        await using var server = await HttpTestServer.StartAsync();
        var key = await server.Ledger.CreateKeyAsync("alice", budget: new KeyBudget(ConfirmAbove: 100));
        var answers = new Queue<string>(["accept", "decline"]);
        var human = ScriptedHuman.Deciding((_, _) => Task.FromResult(answers.Dequeue()));
        await using var client = await server.ConnectAsync(key.Secret, version, human.Handlers);

        var accepted = await client.CallOkAsync("charge_for_operation", Parametric);
        // Other params: a repeat of the first would cost 10% and need no confirmation.
        var declined = await client.CallErrorAsync("charge_for_operation", """{"operation":"model.download.parametric","params":{"part":2}}""");

        Assert.Equal(version, client.NegotiatedProtocolVersion);
        Assert.Equal(200, accepted.GetProperty("charged").GetInt64());
        Assert.Equal("declined by the user: the charge for model.download.parametric (200 tokens) was not made; nothing was written", declined);
        Assert.Equal(2, human.Questions.Count);
        Assert.All(human.Questions, q => Assert.StartsWith("Allow this charge for model.download.parametric on account alice: 200 tokens (€2.00)?", q.Message, StringComparison.Ordinal));
        Assert.Equal(800, (await server.Ledger.GetBalanceAsync("alice")).Total);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task AKeyWithConfirmAbove_OnAClientThatCannotAsk_IsRefusedWithTheKeysUpdateCommand(string version)
    {
        await using var server = await HttpTestServer.StartAsync();
        var key = await server.Ledger.CreateKeyAsync("alice", budget: new KeyBudget(ConfirmAbove: 100));
        await using var client = await server.ConnectAsync(key.Secret, version);

        var error = await client.CallErrorAsync("charge_for_operation", Parametric);

        Assert.EndsWith($"or have an operator raise the key's threshold: cycletokens keys update {key.Key.Id} --confirm-above 200", error, StringComparison.Ordinal);
        Assert.Equal(1000, (await server.Ledger.GetBalanceAsync("alice")).Total);
    }

    [Fact]
    public async Task GetBudget_ShowsTheKeysLimitsAndDay_AndAChangeToTheKeyAppliesFromTheNextRequest()
    {
        await using var server = await HttpTestServer.StartAsync();
        var key = await server.Ledger.CreateKeyAsync("alice", budget: new KeyBudget(MaxPerCall: 300, MaxPerDay: 500));
        await using var client = await server.ConnectAsync(key.Secret);
        await client.CallOkAsync("spend_tokens", """{"amount":200,"operation":"custom.render"}""");

        var budget = await client.CallOkAsync("get_budget");
        await server.Ledger.UpdateKeyAsync(key.Key.Id, new KeyChanges { MaxPerCall = Change<long?>.To(100) });
        var refused = await client.CallErrorAsync("spend_tokens", """{"amount":150,"operation":"custom.render"}""");

        Assert.Equal(key.Key.Id, budget.GetProperty("credential").GetString());
        Assert.Equal(300, budget.GetProperty("max_per_call").GetInt64());
        Assert.Equal(500, budget.GetProperty("max_per_day").GetInt64());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, budget.GetProperty("confirm_above").ValueKind);
        Assert.Equal(200, budget.GetProperty("used_today").GetInt64());
        Assert.Equal(300, budget.GetProperty("left_today").GetInt64());
        Assert.Equal("2026-03-15", budget.GetProperty("day").GetString());
        Assert.Equal("2026-03-16T00:00:00.000Z", budget.GetProperty("resets_at").GetString());
        Assert.Equal("max_per_call is 100 tokens; this call needs 150", refused);
    }

    [Fact]
    public async Task TwoKeysOfOneAccount_CountTheirOwnDays()
    {
        await using var server = await HttpTestServer.StartAsync();
        var first = await server.Ledger.CreateKeyAsync("alice", budget: new KeyBudget(MaxPerDay: 100));
        var second = await server.Ledger.CreateKeyAsync("alice", budget: new KeyBudget(MaxPerDay: 100));
        await using var a = await server.ConnectAsync(first.Secret);
        await using var b = await server.ConnectAsync(second.Secret);

        await a.CallOkAsync("spend_tokens", """{"amount":100,"operation":"custom.render"}""");
        await b.CallOkAsync("spend_tokens", """{"amount":100,"operation":"custom.render"}""");
        var refused = await a.CallErrorAsync("spend_tokens", """{"amount":1,"operation":"custom.render"}""");

        Assert.Equal("max_per_day is 100 tokens; 100 used today, this call needs 1", refused);
    }

    [Fact]
    public async Task AJwtCredential_HasTheServersBudget_CountedPerSubject()
    {
        await using var idp = await TestIdentityProvider.StartAsync();
        await using var server = await HttpTestServer.StartAsync(jwt: idp.Settings() with { Budget = new KeyBudget(MaxPerCall: 50) });
        await using var client = await server.ConnectAsync(idp.Token("alice", new Dictionary<string, object> { ["scope"] = "openid" }));

        var refused = await client.CallErrorAsync("spend_tokens", """{"amount":60,"operation":"custom.render"}""");
        var budget = await client.CallOkAsync("get_budget");

        Assert.Equal("max_per_call is 50 tokens; this call needs 60", refused);
        Assert.Equal($"jwt:{idp.Issuer} alice", budget.GetProperty("credential").GetString());
        Assert.Equal(50, budget.GetProperty("max_per_call").GetInt64());
    }
}
