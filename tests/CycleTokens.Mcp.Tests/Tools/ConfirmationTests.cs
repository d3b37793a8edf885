using System.Text.Json.Nodes;
using CycleTokens.Core.Keys;
using CycleTokens.Mcp.Tests.Support;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Tools;

/// <summary>
/// Agent-billing spec §2: a debit above confirm_above asks the human through MCP elicitation (form mode) before it is
/// written, on both protocol revisions — accepted, it proceeds; declined, cancelled or unanswered for two minutes, or on
/// a client that cannot ask, it fails and nothing is written.
/// </summary>
public sealed class ConfirmationTests
{
    // model.download.parametric costs 200 tokens; a new account holds 1,000.
    private const string Parametric = """{"operation":"model.download.parametric"}""";
    private const string Question =
        "Allow this charge for model.download.parametric on account alice: 200 tokens (€2.00)? Balance after: 800 tokens (€8.00). " +
        "Accept to let it proceed; decline and nothing is charged.";

    private static readonly KeyBudget Asking = new(ConfirmAbove: 100);

    public static TheoryData<string> Versions => [McpTestServer.Legacy, McpTestServer.Modern];

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Accepted_TheChargeIsMade_AfterOneFormQuestionWithTokensEurosAndBalanceAfter(string version)
    {
        var human = ScriptedHuman.Answering("accept");
        await using var server = await McpTestServer.StartAsync(protocolVersion: version, handlers: human.Handlers, budget: Asking);

        var charge = await server.CallOkAsync("charge_for_operation", Parametric);

        Assert.Equal(200, charge.GetProperty("charged").GetInt64());
        Assert.Equal(800, (await server.Ledger.GetBalanceAsync("alice")).Total);
        var question = Assert.Single(human.Questions);
        Assert.Equal("form", question.Mode);
        Assert.Equal(Question, question.Message);
        Assert.Empty(question.RequestedSchema!.Properties);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task TheQuestionTravelsAsTheRevisionAllows_AnElicitationRequestOnASession_AnInputRequiredResultOn2026(string version)
    {
        RecordingTransport? recorder = null;
        var human = ScriptedHuman.Answering("accept");
        await using var server = await McpTestServer.StartAsync(
            protocolVersion: version, handlers: human.Handlers, budget: Asking, wrapTransport: t => recorder = new RecordingTransport(t));

        await server.CallOkAsync("charge_for_operation", Parametric);

        var messages = recorder!.Messages();
        var asked = messages.OfType<JsonRpcRequest>().Count(r => r.Method == RequestMethods.ElicitationCreate);
        var states = messages.OfType<JsonRpcResponse>()
            .Select(r => r.Result as JsonObject)
            .Where(r => r?.ContainsKey("inputRequests") == true)
            .Select(r => r!["requestState"]!.GetValue<string>())
            .ToList();
        Assert.Equal(version, server.Client.NegotiatedProtocolVersion);
        Assert.Equal(version == McpTestServer.Legacy ? 1 : 0, asked);
        Assert.Equal(version == McpTestServer.Legacy ? 0 : 1, states.Count);
        Assert.All(states, s => Assert.StartsWith("cycletokens-confirm-1.", s, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(McpTestServer.Legacy, "decline")]
    [InlineData(McpTestServer.Legacy, "cancel")]
    [InlineData(McpTestServer.Modern, "decline")]
    [InlineData(McpTestServer.Modern, "cancel")]
    public async Task DeclinedOrCancelled_FailsAsDeclinedByTheUser_AndWritesNothing(string version, string action)
    {
        var human = ScriptedHuman.Answering(action);
        await using var server = await McpTestServer.StartAsync(protocolVersion: version, handlers: human.Handlers, budget: Asking);
        await server.CallOkAsync("get_balance");

        var error = await server.CallErrorAsync("charge_for_operation", Parametric);

        Assert.Equal("declined by the user: the charge for model.download.parametric (200 tokens) was not made; nothing was written", error);
        Assert.Single(human.Questions);
        await AssertNothingChargedAsync(server);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task AnAnswerAfterTwoMinutes_CountsAsNone_AndNothingIsWritten(string version)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var human = ScriptedHuman.AnsweringAfter(gate.Task, "accept");
        await using var server = await McpTestServer.StartAsync(protocolVersion: version, handlers: human.Handlers, budget: Asking);
        await server.CallOkAsync("get_balance");

        var call = server.CallAsync("charge_for_operation", Parametric);
        await human.Asked.WaitAsync(TimeSpan.FromSeconds(30));
        server.Clock.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromMilliseconds(1));
        gate.SetResult();
        var result = await call.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(result.IsError);
        Assert.Equal("no confirmation received within 2 minutes for the charge for model.download.parametric (200 tokens); nothing was written", McpTestServer.Text(result));
        await AssertNothingChargedAsync(server);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task AnAnswerJustInsideTwoMinutes_StillCounts(string version)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var human = ScriptedHuman.AnsweringAfter(gate.Task, "accept");
        await using var server = await McpTestServer.StartAsync(protocolVersion: version, handlers: human.Handlers, budget: Asking);

        var call = server.CallAsync("charge_for_operation", Parametric);
        await human.Asked.WaitAsync(TimeSpan.FromSeconds(30));
        server.Clock.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromMilliseconds(1));
        gate.SetResult();
        var result = await call.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(result.IsError is not true, McpTestServer.Text(result));
        Assert.Equal(800, (await server.Ledger.GetBalanceAsync("alice")).Total);
    }

    [Fact]
    public async Task NoAnswerAtAll_OnASession_WithdrawsTheQuestionAfterTwoMinutes_AndFails()
    {
        var human = ScriptedHuman.Silent();
        await using var server = await McpTestServer.StartAsync(protocolVersion: McpTestServer.Legacy, handlers: human.Handlers, budget: Asking);
        await server.CallOkAsync("get_balance");

        var call = server.CallAsync("charge_for_operation", Parametric);
        await human.Asked.WaitAsync(TimeSpan.FromSeconds(30));
        server.Clock.Advance(TimeSpan.FromMinutes(2));
        var result = await call.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(result.IsError);
        Assert.StartsWith("no confirmation received within 2 minutes", McpTestServer.Text(result), StringComparison.Ordinal);
        await human.Withdrawn.WaitAsync(TimeSpan.FromSeconds(30));
        await AssertNothingChargedAsync(server);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task AClientWithoutElicitation_IsRefused_SayingHowToRaiseTheThreshold_AndNothingIsWritten(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version, budget: Asking);
        await server.CallOkAsync("get_balance");

        var error = await server.CallErrorAsync("charge_for_operation", Parametric);

        Assert.Equal(
            "confirmation required: this charge for model.download.parametric of 200 tokens is above confirm_above (100 tokens), so the user must " +
            "confirm it, but this client did not declare MCP elicitation and cannot ask; nothing was written. Use a client that supports " +
            "elicitation, or start the server with --confirm-above 200 (or CYCLETOKENS_CONFIRM_ABOVE=200)",
            error);
        await AssertNothingChargedAsync(server);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task AKeyedRetryOfAConfirmedCall_ReplaysWithoutAskingAgain(string version)
    {
        var human = ScriptedHuman.Answering("accept");
        await using var server = await McpTestServer.StartAsync(protocolVersion: version, handlers: human.Handlers, budget: Asking);
        const string Keyed = """{"operation":"model.download.parametric","idempotency_key":"dl-1"}""";

        var first = await server.CallOkAsync("charge_for_operation", Keyed);
        var retry = await server.CallOkAsync("charge_for_operation", Keyed);

        Assert.False(first.GetProperty("replayed").GetBoolean());
        Assert.True(retry.GetProperty("replayed").GetBoolean());
        Assert.Equal(first.GetProperty("transaction_id").GetString(), retry.GetProperty("transaction_id").GetString());
        Assert.Single(human.Questions);
        Assert.Equal(800, (await server.Ledger.GetBalanceAsync("alice")).Total);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task AKeyedCallTheUserDeclined_AsksAgainWhenRetried_ForNothingWasStored(string version)
    {
        var answers = new Queue<string>(["decline", "accept"]);
        var human = ScriptedHuman.Deciding((_, _) => Task.FromResult(answers.Dequeue()));
        await using var server = await McpTestServer.StartAsync(protocolVersion: version, handlers: human.Handlers, budget: Asking);
        const string Keyed = """{"operation":"model.download.parametric","idempotency_key":"dl-1"}""";

        await server.CallErrorAsync("charge_for_operation", Keyed);
        var retry = await server.CallOkAsync("charge_for_operation", Keyed);

        Assert.False(retry.GetProperty("replayed").GetBoolean());
        Assert.Equal(2, human.Questions.Count);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task APriceThatRisesWhileTheUserIsAsked_IsNotCharged_ForItExceedsWhatWasConfirmed(string version)
    {
        // The second charge of the same params within 24 hours costs 20; clearing the account while the user is asked
        // empties the discount cache, so the write would cost 200.
        var human = ScriptedHuman.Deciding(async (question, ct) =>
        {
            if (question.Message!.Contains("20 tokens (€0.20)", StringComparison.Ordinal))
            {
                await (Server ?? throw new InvalidOperationException()).Ledger.ClearAccountAsync("alice", "clear alice", ct);
            }

            return "accept";
        });
        await using var server = Server = await McpTestServer.StartAsync(protocolVersion: version, handlers: human.Handlers, budget: new KeyBudget(ConfirmAbove: 10));
        const string Again = """{"operation":"model.download.parametric","params":{"part":"bracket"}}""";
        await server.CallOkAsync("charge_for_operation", Again);

        var error = await server.CallErrorAsync("charge_for_operation", Again);

        Assert.Equal("this charge now needs 200 tokens, more than the 20 tokens the user confirmed; nothing was written", error);
        Assert.Equal(1000, (await server.Ledger.GetBalanceAsync("alice")).Total); // the clear's fresh allowance, untouched
        Assert.Equal(2, human.Questions.Count);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task HardLimitsAreNeverLiftedByConfirmation_AndNobodyIsAsked(string version)
    {
        var human = ScriptedHuman.Answering("accept");
        await using var server = await McpTestServer.StartAsync(protocolVersion: version, handlers: human.Handlers, budget: new KeyBudget(MaxPerCall: 150, ConfirmAbove: 100));

        var error = await server.CallErrorAsync("charge_for_operation", Parametric);

        Assert.Equal("max_per_call is 150 tokens; this call needs 200", error);
        Assert.Empty(human.Questions);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task SpendsAndEscrowHoldsAreAskedAboutToo_AndDebitsAtTheThresholdAreNot(string version)
    {
        var human = ScriptedHuman.Answering("accept");
        await using var server = await McpTestServer.StartAsync(protocolVersion: version, handlers: human.Handlers, budget: Asking);

        await server.CallOkAsync("spend_tokens", """{"amount":100,"operation":"custom.render"}""");
        await server.CallOkAsync("spend_tokens", """{"amount":101,"operation":"custom.render"}""");
        await server.CallOkAsync("create_escrow", """{"amount":300,"job_id":"J-17","fab_id":"acme"}""");

        Assert.Equal(
            [
                "Allow this spend on custom.render on account alice: 101 tokens (€1.01)? Balance after: 799 tokens (€7.99). Accept to let it proceed; decline and nothing is charged.",
                "Allow this escrow hold for job \"J-17\" at fab acme on account alice: 300 tokens (€3.00)? Balance after: 499 tokens (€4.99). Accept to let it proceed; decline and nothing is charged.",
            ],
            human.Questions.Select(q => q.Message));
        Assert.Equal(499, (await server.Ledger.GetBalanceAsync("alice")).Total);
    }

    private McpTestServer? Server { get; set; }

    private static async Task AssertNothingChargedAsync(McpTestServer server)
    {
        var balance = await server.Ledger.GetBalanceAsync("alice");
        Assert.Equal(1000, balance.Total);
        Assert.Equal(0, balance.UsedThisMonth);
        Assert.Equal(0, (await server.CallOkAsync("get_budget")).GetProperty("used_today").GetInt64());
    }
}
