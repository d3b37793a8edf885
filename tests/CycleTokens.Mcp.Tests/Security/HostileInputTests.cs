using System.Text.Json;
using CycleTokens.Core;
using CycleTokens.Core.Escrows;
using CycleTokens.Mcp.Hosting;
using CycleTokens.Mcp.Tests.Support;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Xunit.Abstractions;

namespace CycleTokens.Mcp.Tests.Security;

/// <summary>
/// Generated bad calls through a real MCP client, in agent and in operator mode (see <see cref="BadCallGenerator"/>):
/// each must come back as a clean refusal — an isError result naming the argument, or for unknown tools and
/// resources a JSON-RPC error — with no SQL, path, exception type or stack trace in it; the server must answer a good
/// call after each; and the ledger file must be exactly as before (every table's row count, every balance, escrow
/// and purchase, checked after every call; verification and the users' full exports before and after the batch).
/// Replay a failure with <c>CYCLETOKENS_SEED=&lt;seed&gt;</c>.
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output)
{
    private const int DefaultSeed = 4_180_2026;
    private const int RandomCalls = 300;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GeneratedBadCalls_AreRefusedCleanly_KeepTheServerUp_AndWriteNothing(bool operatorMode)
    {
        var seed = TestRuns.Seed(DefaultSeed);
        await using var server = await McpTestServer.StartAsync(operatorMode: operatorMode, options: FastOptions);
        var fixtures = await SetUpAsync(server);
        var calls = BadCallGenerator.Generate(new ServerMode("alice", operatorMode), fixtures, seed, TestRuns.Long ? RandomCalls * 10 : RandomCalls);
        using var fingerprint = new LedgerFingerprint(server.DatabasePath);
        var before = await fingerprint.FullAsync(server.Ledger, "alice", "bob");
        var state = fingerprint.Take();
        var failures = new List<string>();

        foreach (var call in calls)
        {
            if (await ProblemAsync(server, call) is { } problem)
            {
                failures.Add($"{call}: {problem}");
            }

            if (fingerprint.Take() is var now && now != state)
            {
                failures.Add($"{call}: the ledger changed");
                state = now;
            }

            var good = await server.CallAsync("get_balance");
            if (good.IsError is true)
            {
                failures.Add($"{call}: the next good call failed: {McpTestServer.Text(good)}");
                break;
            }
        }

        output.WriteLine($"seed {seed}: {calls.Count} bad calls in {(operatorMode ? "operator" : "agent")} mode");
        foreach (var group in calls.GroupBy(c => c.Category.Split(" in ")[0]).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {group.Count(),5} {group.Key}");
        }

        Assert.True(calls.Count >= 500, $"only {calls.Count} calls were generated");
        Assert.True(failures.Count == 0, $"seed {seed} (replay with CYCLETOKENS_SEED={seed}): {failures.Count} of {calls.Count} calls misbehaved:\n" + string.Join("\n", Sample(failures)));
        Assert.Equal(before, await fingerprint.FullAsync(server.Ledger, "alice", "bob"));
    }

    /// <summary>Found by the generated calls: each of these was accepted (and charged or written) or misquoted before the fix.</summary>
    [Theory]
    [InlineData(false, "spend_tokens", """{"amount":0.99999999999999999999999999999999,"operation":"custom.render"}""", "amount must be a whole number from 1 to 1000000000000 (got 0.99999999999999999999999999999999)")]
    [InlineData(false, "spend_tokens", """{"amount":1.0000000000000000000000000000001,"operation":"custom.render"}""", "amount must be a whole number from 1 to 1000000000000 (got 1.0000000000000000000000000000001)")]
    [InlineData(false, "create_escrow", """{"amount":5.00000000000000000000000000000000001,"job_id":"j","fab_id":"acme"}""", "amount must be a whole number from 1 to 1000000000000 (got 5.00000000000000000000000000000000001)")]
    [InlineData(false, "charge_for_operation", """{"operation":"model.export.step","quantity":10.000000000000000000000000000000000000001e1}""", "quantity must be a whole number from 1 to 1000000 (got 10.0000000000000000000000000000000000000...)")]
    [InlineData(false, "get_transaction_history", """{"min_amount":4.9e-324}""", "min_amount must be a whole number from 0 to 1000000000000 (got 4.9e-324)")]
    [InlineData(false, "spend_tokens", """{"amount":"+cmd é <x>","operation":"custom.render"}""", "amount must be a whole number from 1 to 1000000000000 (got \"+cmd é <x>\")")]
    [InlineData(false, "create_escrow", """{"amount":5,"job_id":"j","fab_id":"acme","metadata":"=1+1 \u202E"}""", "metadata must be a JSON object (got \"=1+1 \u202E\")")]
    [InlineData(true, "list_operations", """{"account":"system:grants"}""", "account must not start with a reserved prefix (creator:, fab:, system:, escrow:, hold:) or be 'platform' (got \"system:grants\")")]
    [InlineData(true, "list_operations", """{"account":"'; DROP TABLE transactions; --"}""", "account must be 1-64 characters of A-Z, a-z, 0-9, '.', '_', ':', '@', '-' (got \"'; DROP TABLE transactions; --\")")]
    public async Task FoundByGeneration_FractionsBeyondDecimalPrecision_MisquotedStrings_AndIgnoredAccounts_AreRefused(bool operatorMode, string tool, string arguments, string expected)
    {
        await using var server = await McpTestServer.StartAsync(operatorMode: operatorMode, options: FastOptions);
        await server.CallOkAsync("get_balance");
        using var fingerprint = new LedgerFingerprint(server.DatabasePath);
        var before = fingerprint.Take();

        var message = await server.CallErrorAsync(tool, arguments);

        Assert.Equal(expected, message);
        Assert.Equal(before, fingerprint.Take());
    }

    [Theory]
    [InlineData("5.000000000000000000000000000000000000000e0", 5)]
    [InlineData("1E1", 10)]
    [InlineData("100e-2", 1)]
    [InlineData("0.000000000000000000000000000000000000007e39", 7)]
    public async Task WholeNumbersInAnyNotation_AreStillAccepted(string amount, long expected)
    {
        await using var server = await McpTestServer.StartAsync(options: FastOptions);

        var spend = await server.CallOkAsync("spend_tokens", $$"""{"amount":{{amount}},"operation":"custom.render"}""");

        Assert.Equal(expected, spend.Long("charged"));
    }

    /// <summary>
    /// The other half for read-only tools: a payload a filter argument accepts (a category prefix, an operation name
    /// such as <c>-2</c>, a cursor that decodes) is only a filter — the call succeeds and writes nothing. (Accepted
    /// payloads in writing tools are stored; see HostileStoredStringTests. A valid but new operator-mode account would
    /// create that user, so account is left to those tests.)
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AcceptedPayloads_InReadOnlyTools_AreHarmlessFilters(bool operatorMode)
    {
        await using var server = await McpTestServer.StartAsync(operatorMode: operatorMode, options: FastOptions);
        var fixtures = await SetUpAsync(server);
        var registry = new CycleTokens.Mcp.Tools.ToolRegistry(new ServerMode("alice", operatorMode));
        using var fingerprint = new LedgerFingerprint(server.DatabasePath);
        var before = fingerprint.Take();
        var calls = 0;

        foreach (var tool in registry.Tools.Where(t => t.Annotations?.ReadOnlyHint == true))
        {
            Assert.True(registry.TryGet(tool.Name, out _, out var parameters));
            foreach (var p in parameters.Where(p => p.Kind == CycleTokens.Mcp.Tools.ParamKind.String && p.Name != "account"))
            {
                foreach (var payload in HostileStrings.All.Where(v => FieldRules.Accepts(tool.Name, p.Name, v, "alice", p.Values)))
                {
                    var args = BadCallGenerator.Base(tool.Name, "alice", fixtures);
                    args[p.Name] = BadCallGenerator.Json(payload);
                    var result = await server.CallAsync(tool.Name, BadCallGenerator.Object(args));
                    Assert.True(result.IsError is not true, $"{tool.Name}.{p.Name} = {HostileStrings.Describe(payload)}: {McpTestServer.Text(result)}");
                    calls++;
                }
            }
        }

        output.WriteLine($"{calls} accepted filter payloads");
        Assert.True(calls > 50, $"only {calls} calls");
        Assert.Equal(before, fingerprint.Take());
    }

    [Fact]
    public void Generator_CoversEveryStringArgumentOfEveryTool_InBothModes()
    {
        var fixtures = new CallFixtures("esc_000001", "pur_000001", "tx_000001", [], "res_000001");
        foreach (var operatorMode in new[] { false, true })
        {
            var calls = BadCallGenerator.Generate(new ServerMode("alice", operatorMode), fixtures, DefaultSeed, 0);
            var registry = new CycleTokens.Mcp.Tools.ToolRegistry(new ServerMode("alice", operatorMode));
            foreach (var tool in registry.Tools)
            {
                Assert.True(registry.TryGet(tool.Name, out _, out var parameters));
                foreach (var p in parameters.Where(p => p.Kind == CycleTokens.Mcp.Tools.ParamKind.String))
                {
                    // Every SQL and formula payload goes into every string argument: refused there, or stored as sent
                    // (that half is HostileStoredStringTests).
                    foreach (var payload in HostileStrings.Sql.Concat(HostileStrings.Formulas))
                    {
                        var refused = !FieldRules.Accepts(tool.Name, p.Name, payload, "alice", p.Values);
                        var member = "\"" + p.Name + "\":" + BadCallGenerator.Json(payload);
                        var generated = calls.Any(c => c.Target == tool.Name && c.Arguments.Length < 10_000 && c.Arguments.Contains(member, StringComparison.Ordinal));
                        Assert.True(refused == generated, $"{tool.Name}.{p.Name} with {HostileStrings.Describe(payload)}: refused {refused}, generated {generated}");
                    }
                }
            }
        }
    }

    /// <summary>At most five failures of each category, so one broken rule does not hide the others.</summary>
    internal static IEnumerable<string> Sample(IEnumerable<string> failures) =>
        failures.GroupBy(f => f[(f.IndexOf('[', StringComparison.Ordinal) + 1)..Math.Max(0, f.IndexOf(']', StringComparison.Ordinal))]).SelectMany(g => g.Take(5)).Take(80);

    internal static LedgerOptions FastOptions { get; } = new() { DatabasePath = "unused", Synchronous = SynchronousMode.Normal };

    /// <summary>
    /// Alice (the bound user) gets tokens, a charge, a held escrow and a pending purchase, so calls that name them are
    /// otherwise valid; bob gets escrows alice must not see.
    /// </summary>
    internal static async Task<CallFixtures> SetUpAsync(McpTestServer server)
    {
        await server.Ledger.GrantAsync("alice", 100_000);
        var charge = await server.CallOkAsync("charge_for_operation", """{"operation":"model.export.step"}""");
        var escrow = await server.CallOkAsync("create_escrow", """{"amount":50,"job_id":"job-1","fab_id":"acme"}""");
        var purchase = await server.CallOkAsync("purchase_tokens", """{"tokens":1000,"method":"card"}""");
        await server.Ledger.GrantAsync("bob", 500);
        var bobHeld = await server.Ledger.CreateEscrowAsync("bob", new EscrowRequest(40, "bob-job", "acme"));
        var bobCancelled = await server.Ledger.CreateEscrowAsync("bob", new EscrowRequest(30, "bob-job-2", "acme"));
        await server.Ledger.CancelEscrowAsync("bob", bobCancelled.Escrow.Id);
        var reserved = await server.CallOkAsync("reserve_operation", """{"operation":"model.export.step","expires_in_seconds":86400}""");
        return new CallFixtures(
            escrow.GetProperty("escrow_id").GetString()!,
            purchase.GetProperty("purchase_id").GetString()!,
            charge.GetProperty("transaction_id").GetString()!,
            [bobHeld.Escrow.Id, bobCancelled.Escrow.Id],
            reserved.GetProperty("reservation_id").GetString()!);
    }

    /// <summary>Null when the call was refused as it must be, else what went wrong.</summary>
    internal static async Task<string?> ProblemAsync(McpTestServer server, BadCall call)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var request = SafeErrorText.Decoded(call.Target, call.Arguments);
        try
        {
            switch (call.Kind)
            {
                case BadCallKind.Tool:
                    var result = await server.Client.CallToolAsync(Request(call), cancellationToken: timeout.Token);
                    var text = McpTestServer.Text(result);
                    if (result.IsError is not true)
                    {
                        return "it succeeded: " + HostileStrings.Describe(text, 200);
                    }

                    return call.Mentions.Any(m => text.Contains(m, StringComparison.Ordinal))
                        ? SafeErrorText.Problem(text, request, server.Folder)
                        : $"the error does not mention {string.Join(" or ", call.Mentions)}: {HostileStrings.Describe(text, 200)}";
                case BadCallKind.UnknownTool:
                    await server.Client.CallToolAsync(Request(call), cancellationToken: timeout.Token);
                    return "an unknown tool answered";
                default:
                    await server.Client.ReadResourceAsync(call.Target, cancellationToken: timeout.Token);
                    return "an unknown resource was read";
            }
        }
        catch (McpProtocolException ex) when (call.Kind != BadCallKind.Tool)
        {
            if (call.Kind == BadCallKind.UnknownTool && (ex.ErrorCode != McpErrorCode.InvalidParams || !ex.Message.Contains("Unknown tool", StringComparison.Ordinal)))
            {
                return $"not the unknown-tool error: {ex.ErrorCode} {ex.Message}";
            }

            return SafeErrorText.Problem(ex.Message, request, server.Folder);
        }
        catch (Exception ex) when (ex is McpException or JsonException or OperationCanceledException or InvalidOperationException)
        {
            return $"{ex.GetType().Name}: {HostileStrings.Describe(ex.Message, 200)}";
        }
    }

    private static CallToolRequestParams Request(BadCall call)
    {
        using var document = JsonDocument.Parse(call.Arguments, new JsonDocumentOptions { MaxDepth = 256 });
        return new CallToolRequestParams
        {
            Name = call.Target,
            Arguments = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal),
        };
    }
}
