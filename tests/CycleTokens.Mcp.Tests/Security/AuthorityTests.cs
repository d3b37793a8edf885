using System.Text.Json;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Mcp.Hosting;
using CycleTokens.Mcp.Tests.Support;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Xunit.Abstractions;

namespace CycleTokens.Mcp.Tests.Security;

/// <summary>
/// What an agent session (bound to alice) cannot do: see or call an operator tool in any spelling, name an account,
/// or see and act on another user's escrows, purchases and transactions (they behave exactly as ids that do not
/// exist); and a property over thousands of random agent calls across months: no tokens are created for alice
/// beyond her monthly allowance, and nobody else's balance moves except payees receiving what alice paid.
/// </summary>
public sealed class AuthorityTests(ITestOutputHelper output)
{
    private const int DefaultSeed = 1_2026;

    [Theory]
    [InlineData(McpTestServer.Legacy)]
    [InlineData(McpTestServer.Modern)]
    public async Task AgentMode_ListsNoOperatorTool_AndNoToolTakesAnAccount(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version);

        var tools = await server.Client.ListToolsAsync();

        Assert.Equal(Contract.AgentTools.Select(t => t.Name).Order(StringComparer.Ordinal), tools.Select(t => t.Name).Order(StringComparer.Ordinal));
        foreach (var tool in tools)
        {
            var normalised = Normalise(tool.Name);
            Assert.DoesNotContain(Contract.OperatorTools, o => Normalise(o.Name) == normalised);
            var properties = tool.ProtocolTool.InputSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name);
            Assert.DoesNotContain(properties, p => Normalise(p).Contains("account", StringComparison.Ordinal) || Normalise(p) is "user" or "userid" or "owner");
        }
    }

    [Theory]
    [InlineData(McpTestServer.Legacy)]
    [InlineData(McpTestServer.Modern)]
    public async Task AgentMode_OperatorToolsInAnySpelling_AnswerExactlyLikeAToolThatDoesNotExist(string version)
    {
        await using var server = await McpTestServer.StartAsync(protocolVersion: version, options: HostileInputTests.FastOptions);
        var fixtures = await HostileInputTests.SetUpAsync(server);
        using var fingerprint = new LedgerFingerprint(server.DatabasePath);
        var before = await fingerprint.FullAsync(server.Ledger, "alice", "bob");
        var unknown = await Assert.ThrowsAsync<McpProtocolException>(() => server.CallAsync("no_such_tool"));
        var calls = 0;

        foreach (var tool in Contract.OperatorTools)
        {
            foreach (var name in BadCallGenerator.Spellings(tool.Name))
            {
                // Arguments that the operator tool would accept: only the name can make it refuse.
                var args = BadCallGenerator.Object(BadCallGenerator.Base(tool.Name, "alice", fixtures));
                var error = await Assert.ThrowsAsync<McpProtocolException>(() => server.CallAsync(name, args));
                Assert.Equal(unknown.ErrorCode, error.ErrorCode);
                Assert.Equal(unknown.Message.Replace("no_such_tool", Shown(name), StringComparison.Ordinal), error.Message);
                calls++;
            }
        }

        output.WriteLine($"{calls} operator tool calls refused");
        Assert.Equal(before, await fingerprint.FullAsync(server.Ledger, "alice", "bob"));
    }

    [Fact]
    public async Task AgentMode_EveryToolRefusesAnAccountArgument_InAnySpelling()
    {
        await using var server = await McpTestServer.StartAsync(options: HostileInputTests.FastOptions);
        var fixtures = await HostileInputTests.SetUpAsync(server);
        using var fingerprint = new LedgerFingerprint(server.DatabasePath);
        var before = await fingerprint.FullAsync(server.Ledger, "alice", "bob");
        string[] names = ["account", "Account", "ACCOUNT", " account", "account ", "account\u200B", "account_id", "accountId", "user", "user_id", "owner", "on_behalf_of", "as"];

        foreach (var tool in Contract.AgentTools)
        {
            foreach (var name in names)
            {
                foreach (var value in new[] { "\"bob\"", "\"alice\"", "\"system:grants\"", "{\"id\":\"bob\"}" })
                {
                    var args = BadCallGenerator.Base(tool.Name, "alice", fixtures);
                    args[name] = value;
                    var message = await server.CallErrorAsync(tool.Name, BadCallGenerator.Object(args));
                    Assert.Equal($"{Shown(name)} is not an argument of {tool.Name}", message);
                }
            }
        }

        Assert.Equal(before, await fingerprint.FullAsync(server.Ledger, "alice", "bob"));
    }

    [Fact]
    public async Task AnotherUsersEscrowsPurchasesAndTransactions_BehaveExactlyAsIdsThatDoNotExist()
    {
        await using var server = await McpTestServer.StartAsync(options: HostileInputTests.FastOptions);
        var ledger = server.Ledger;
        await ledger.GrantAsync("bob", 5000);
        var held = (await ledger.CreateEscrowAsync("bob", new EscrowRequest(100, "bob-secret-job", "acme"))).Escrow.Id;
        var released = (await ledger.CreateEscrowAsync("bob", new EscrowRequest(50, "bob-job-2", "acme"))).Escrow.Id;
        await ledger.ReleaseEscrowAsync("bob", released);
        var cancelled = (await ledger.CreateEscrowAsync("bob", new EscrowRequest(20, "bob-job-3", "acme"))).Escrow.Id;
        await ledger.CancelEscrowAsync("bob", cancelled);
        var purchase = (await ledger.CreatePurchaseAsync("bob", 1000, "card")).Purchase.Id;
        var charge = (await ledger.ChargeAsync("bob", new ChargeRequest("model.export.step") { IdempotencyKey = "shared-key" })).TransactionId;
        await server.CallOkAsync("create_escrow", """{"amount":10,"job_id":"mine","fab_id":"acme"}""");
        using var fingerprint = new LedgerFingerprint(server.DatabasePath);
        var before = await fingerprint.FullAsync(server.Ledger, "alice", "bob");

        foreach (var id in new[] { held, released, cancelled })
        {
            foreach (var tool in new[] { "get_escrow", "release_escrow", "cancel_escrow" })
            {
                // Not "is not held": even the status of another user's escrow must not show.
                Assert.Equal($"Escrow {id} not found", await server.CallErrorAsync(tool, $$"""{"escrow_id":"{{id}}"}"""));
            }

            var foreign = await Assert.ThrowsAsync<McpProtocolException>(() => server.Client.ReadResourceAsync("tokens://escrows/" + id).AsTask());
            var missing = await Assert.ThrowsAsync<McpProtocolException>(() => server.Client.ReadResourceAsync("tokens://escrows/esc_999999").AsTask());
            Assert.Equal(missing.ErrorCode, foreign.ErrorCode);
            Assert.Equal(missing.Message.Replace("esc_999999", id, StringComparison.Ordinal), foreign.Message);
        }

        Assert.Equal($"Purchase {purchase} not found", await server.CallErrorAsync("get_purchase", $$"""{"purchase_id":"{{purchase}}"}"""));
        Assert.Equal("Purchase pur_999999 not found", await server.CallErrorAsync("get_purchase", """{"purchase_id":"pur_999999"}"""));
        await Assert.ThrowsAsync<McpProtocolException>(() => server.CallAsync("refund_transaction", $$"""{"transaction_id":"{{charge}}","reason":"mine"}"""));
        await Assert.ThrowsAsync<McpProtocolException>(() => server.CallAsync("complete_purchase", $$"""{"purchase_id":"{{purchase}}"}"""));

        // Nothing of bob's shows anywhere alice can look.
        var everything = string.Join(
            "\n",
            (await server.CallOkAsync("get_transaction_history", """{"limit":1000}""")).GetRawText(),
            (await server.CallOkAsync("list_escrows")).GetRawText(),
            (await server.CallOkAsync("export_account_data")).GetRawText(),
            (await server.CallOkAsync("export_transactions")).GetRawText(),
            (await server.CallOkAsync("export_transactions", """{"format":"json"}""")).GetRawText(),
            (await server.CallOkAsync("get_usage")).GetRawText(),
            Assert.IsType<TextResourceContents>(Assert.Single((await server.Client.ReadResourceAsync("tokens://transactions.csv")).Contents)).Text);
        foreach (var secret in new[] { held, released, cancelled, purchase, charge, "bob", "model.export.step" })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        }

        Assert.Equal(before, await fingerprint.FullAsync(server.Ledger, "alice", "bob"));

        // Keyed attempts fail the same way (and store alice's own failure, nothing of bob's changes).
        var bobBefore = (await ledger.ExportAccountAsync("bob")) with { CachedOperations = 0 };
        foreach (var id in new[] { held, released, cancelled })
        {
            foreach (var tool in new[] { "release_escrow", "cancel_escrow" })
            {
                Assert.Equal($"Escrow {id} not found", await server.CallErrorAsync(tool, $$"""{"escrow_id":"{{id}}","idempotency_key":"k-{{tool}}-{{id}}"}"""));
            }
        }

        var bobAfter = (await ledger.ExportAccountAsync("bob")) with { CachedOperations = 0 };
        Assert.Equal(JsonSerializer.Serialize(bobBefore), JsonSerializer.Serialize(bobAfter));

        // Idempotency keys are per account: bob's key is alice's to use afresh, and does not replay bob's charge.
        var mine = await server.CallOkAsync("spend_tokens", """{"amount":3,"operation":"custom.render","idempotency_key":"shared-key"}""");
        Assert.False(mine.Bool("replayed"));
        Assert.NotEqual(charge, mine.Str("transaction_id"));
    }

    [Fact]
    public async Task RandomAgentCalls_AcrossMonths_CreateNoTokens_AndMoveNobodyElsesBalance()
    {
        var seed = TestRuns.Seed(DefaultSeed);
        var steps = TestRuns.Long ? 30_000 : 3_000;
        var random = new Random(seed);
        output.WriteLine($"seed {seed}, {steps} calls (replay with CYCLETOKENS_SEED={seed})");
        await using var server = await McpTestServer.StartAsync(options: HostileInputTests.FastOptions);
        var ledger = server.Ledger;
        var fixtures = await HostileInputTests.SetUpAsync(server); // alice: 100000 purchased; bob: escrows
        await ledger.GrantAsync("carol", 700);
        var bobPurchase = (await ledger.CreatePurchaseAsync("bob", 1000, "card")).Purchase.Id;
        await ledger.ChargeAsync("bob", new ChargeRequest("model.export.step") { CreatorId = "studio", IdempotencyKey = "k1" });
        var hostile = BadCallGenerator.Generate(new ServerMode("alice", false), fixtures, seed, 200);
        var calls = new RandomAgentCalls(random, fixtures.ForeignEscrowIds, [bobPurchase], hostile);
        var allowance = (await ledger.GetBalanceAsync("alice")).Tier.TokensPerMonth;
        var check = new TokenFlowCheck("alice", fixtures.ForeignEscrowIds.Select(id => "escrow:" + id).ToHashSet(StringComparer.Ordinal), allowance);
        check.AlreadyGranted(Month(server.Clock.GetUtcNow()));
        using var fingerprint = new LedgerFingerprint(server.DatabasePath);
        var view = fingerprint.Balances();
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        var months = new HashSet<int>();

        for (var step = 1; step <= steps; step++)
        {
            AdvanceClock(server, random);
            months.Add(Month(server.Clock.GetUtcNow()));
            var call = calls.Next();
            var where = $"seed {seed}, step {step} at {server.Clock.GetUtcNow():yyyy-MM-dd HH:mm}: {call}";
            var (outcome, result) = await CallAsync(server, call);
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            if (result is { } r && !call.Resource)
            {
                calls.Observe(call.Target, r);
            }

            var next = fingerprint.Balances();
            var problem = check.Problem(view, next, fingerprint.Parts("alice") ?? (0, 0), Month(server.Clock.GetUtcNow()));
            Assert.True(problem is null, $"{where}: {problem}");
            if (call.Target == "get_balance" && outcome == "ok" && result is { } balance)
            {
                // What the tool reports is what the ledger holds.
                Assert.True(balance.Long("balance") + balance.Long("held_in_escrow") + balance.Long("held_in_reservations") == check.Held(next), $"{where}: get_balance disagrees with the ledger");
            }

            view = next;
            if (step % 500 == 0)
            {
                var report = await ledger.VerifyAsync();
                Assert.True(report.Ok, $"{where}: {string.Join("; ", report.Problems)}");
            }
        }

        var final = await ledger.VerifyAsync();
        Assert.True(final.Ok, string.Join("; ", final.Problems));
        output.WriteLine($"{months.Count} months crossed; outcomes: {string.Join(", ", outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} {o.Value}"))}");
        Assert.True(months.Count >= 3, "the run must cross months");
        Assert.True(outcomes.GetValueOrDefault("ok") > steps / 4 && outcomes.Where(o => o.Key.StartsWith("refused", StringComparison.Ordinal)).Sum(o => o.Value) > steps / 10, "the run must mix accepted and refused calls");
    }

    /// <summary>Mostly small steps, sometimes days, sometimes straight to the next month.</summary>
    private static void AdvanceClock(McpTestServer server, Random random)
    {
        var roll = random.Next(100);
        if (roll < 2)
        {
            var now = server.Clock.GetUtcNow();
            var nextMonth = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
            server.Clock.Advance(nextMonth - now + TimeSpan.FromSeconds(random.Next(0, 5)));
        }
        else if (roll < 10)
        {
            server.Clock.Advance(TimeSpan.FromMinutes(random.Next(1, 4 * 24 * 60)));
        }
    }

    private static async Task<(string Outcome, JsonElement? Result)> CallAsync(McpTestServer server, AgentCall call)
    {
        try
        {
            if (call.Resource)
            {
                await server.Client.ReadResourceAsync(call.Target);
                return ("ok", null);
            }

            using var document = JsonDocument.Parse(call.Arguments, new JsonDocumentOptions { MaxDepth = 256 });
            var result = await server.Client.CallToolAsync(new CallToolRequestParams
            {
                Name = call.Target,
                Arguments = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal),
            });
            return result.IsError is true
                ? ("refused: " + Category(McpTestServer.Text(result)), null)
                : ("ok", result.StructuredContent);
        }
        catch (McpProtocolException)
        {
            return ("protocol error", null);
        }
    }

    /// <summary>A refusal with ids and numbers blanked, for the run's summary.</summary>
    private static string Category(string message) => message.Contains(" is not an argument of ", StringComparison.Ordinal)
        ? "unknown argument"
        : string.Join(' ', System.Text.RegularExpressions.Regex.Replace(
            System.Text.RegularExpressions.Regex.Replace(message, @"\b(esc|pur|tx)_\w+", "<id>"), @"\d+", "N").Split(' ').Take(4));

    private static int Month(DateTimeOffset time) => (time.UtcDateTime.Year * 12) + time.UtcDateTime.Month - 1;

    /// <summary>A name as the server quotes it: control and lone surrogate characters as '?', at most 64 characters.</summary>
    private static string Shown(string name) => CycleTokens.Mcp.Json.Wire.Shown(name);

    private static string Normalise(string name) =>
        new(name.Normalize(System.Text.NormalizationForm.FormKC).ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).ToArray());
}
