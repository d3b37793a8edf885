using System.Text.Json;
using System.Text.Json.Nodes;
using CycleTokens.Core.Tests.Support;
using CycleTokens.Mcp.Tests.Support;
using ModelContextProtocol.Client;

namespace CycleTokens.Mcp.Tests.Process;

/// <summary>
/// The real <c>cycletokens</c> executable over stdio: what it negotiates, that stdout carries nothing but JSON-RPC,
/// that bad input does not kill it, how it refuses to start, and how flags and environment variables configure it.
/// </summary>
public sealed class StdioProcessTests
{
    private static readonly string[] AgentTools =
    [
        "cancel_escrow", "charge_for_operation", "create_escrow", "estimate_operation", "export_account_data", "export_transactions",
        "get_balance", "get_budget", "get_escrow", "get_purchase", "get_reservation", "get_tier", "get_transaction_history", "get_usage",
        "list_escrows", "list_operations", "list_reservations", "purchase_tokens", "release_escrow", "reserve_operation", "settle_reservation",
        "spend_tokens", "void_reservation",
    ];

    private static readonly string[] OperatorTools =
        ["clear_account_data", "complete_purchase", "get_low_balance_threshold", "grant_tokens", "list_accounts", "refund_transaction", "set_low_balance_threshold", "set_tier", "verify_ledger"];

    private const string Initialize =
        """{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw-test","version":"1.0"}}""";

    [Theory]
    [InlineData("2025-11-25", "2025-11-25")]
    [InlineData(null, "2026-07-28")]
    public async Task McpClient_OverStdio_NegotiatesListsTheAgentToolsAndCharges(string? requested, string negotiated)
    {
        using var folder = new TempFolder();
        await using var client = await ServerProcess.ConnectAsync(["serve", "--db", folder.File("ledger.db"), "--account", "alice"], requested);

        var tools = await client.ListToolsAsync();
        var charge = await client.CallToolAsync("charge_for_operation", new Dictionary<string, object?> { ["operation"] = "model.export.step" });

        Assert.Equal(negotiated, client.NegotiatedProtocolVersion);
        Assert.Equal("cycletokens", client.ServerInfo?.Name);
        Assert.Equal(AgentTools, tools.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.True(charge.IsError is not true, McpTestServer.Text(charge));
        Assert.Equal(990, charge.StructuredContent!.Value.GetProperty("balance_after").GetInt64());
    }

    [Fact]
    public async Task RawSession_StdoutCarriesOnlyJsonRpc_AndTheLogGoesToStderr()
    {
        using var folder = new TempFolder();
        await using var server = ServerProcess.Start(ServerProcess.Server("serve", "--db", folder.File("ledger.db"), "--account", "alice"));

        var initialized = await server.RequestAsync(1, "initialize", Initialize);
        await server.SendAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        await server.RequestAsync(2, "logging/setLevel", """{"level":"debug"}""");
        var list = await server.RequestAsync(3, "tools/list");
        var charge = await server.RequestAsync(4, "tools/call", """{"name":"charge_for_operation","arguments":{"operation":"model.export.step"}}""");
        var withAccount = await server.RequestAsync(5, "tools/call", """{"name":"charge_for_operation","arguments":{"operation":"model.export.step","account":"bob"}}""");
        var operatorTool = await server.RequestAsync(6, "tools/call", """{"name":"grant_tokens","arguments":{"account":"alice","amount":5}}""");
        var noMethod = await server.RequestAsync(7, "no/such/method");
        server.CloseInput();
        var exitCode = await server.WaitForExitAsync();

        Assert.Equal(0, exitCode);
        Assert.NotEmpty(server.StdoutLines);
        Assert.All(server.StdoutLines, AssertJsonRpc);
        Assert.Equal("cycletokens", initialized["result"]!["serverInfo"]!["name"]!.GetValue<string>());
        Assert.Equal(AgentTools.Length, list["result"]!["tools"]!.AsArray().Count);
        Assert.Equal(990, charge["result"]!["structuredContent"]!["balance_after"]!.GetValue<long>());
        Assert.True(withAccount["result"]!["isError"]!.GetValue<bool>());
        Assert.Equal("account is not an argument of charge_for_operation", withAccount["result"]!["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal(-32602, operatorTool["error"]!["code"]!.GetValue<int>());
        Assert.Equal(-32601, noMethod["error"]!["code"]!.GetValue<int>());
        // The charge's event reached the client as a logging notification, itself a JSON-RPC line.
        Assert.Contains(server.StdoutLines, l => l.Contains("\"notifications/message\"", StringComparison.Ordinal) && l.Contains("token-spent", StringComparison.Ordinal));
        Assert.Contains(server.StderrLines, l => l.Contains("Serving agent MCP on stdio for alice", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InputClosedRightAfterTheRequests_EveryRequestIsStillAnswered()
    {
        using var folder = new TempFolder();
        await using var server = ServerProcess.Start(ServerProcess.Server("serve", "--db", folder.File("ledger.db"), "--account", "alice"));

        // Like `printf '...' | cycletokens`: all requests, then end of input, without waiting for any answer.
        await server.SendAsync($$"""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{Initialize}}}""");
        await server.SendAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        await server.SendAsync("""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"charge_for_operation","arguments":{"operation":"model.export.step"}}}""");
        await server.SendAsync("""{"jsonrpc":"2.0","id":3,"method":"tools/list"}""");
        // Error replies are sent by the SDK after the request's handling has ended: they too must get out.
        await server.SendAsync("""{"jsonrpc":"2.0","id":4,"method":"no/such/method"}""");
        await server.SendAsync("""{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"grant_tokens","arguments":{"account":"alice","amount":5}}}""");
        server.CloseInput();
        var exitCode = await server.WaitForExitAsync();

        Assert.Equal(0, exitCode);
        Assert.Equal(990, (await server.ResponseAsync(2))["result"]!["structuredContent"]!["balance_after"]!.GetValue<long>());
        Assert.NotNull((await server.ResponseAsync(3))["result"]);
        Assert.Equal(-32601, (await server.ResponseAsync(4))["error"]!["code"]!.GetValue<int>());
        Assert.Equal(-32602, (await server.ResponseAsync(5))["error"]!["code"]!.GetValue<int>());
        Assert.All(server.StdoutLines, AssertJsonRpc);
    }

    [Fact]
    public async Task Sigterm_WithInputStillOpen_StopsTheServerCleanly()
    {
        using var folder = new TempFolder();
        await using var server = ServerProcess.Start(ServerProcess.Server("serve", "--db", folder.File("ledger.db"), "--account", "alice"));
        await server.RequestAsync(1, "initialize", Initialize);
        await server.SendAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        var charge = await server.RequestAsync(2, "tools/call", """{"name":"charge_for_operation","arguments":{"operation":"model.export.step"}}""");

        // stdin stays open: the pending read must not hold the shutdown up.
        server.Terminate();
        var exitCode = await server.WaitForExitAsync();

        Assert.Equal(0, exitCode);
        Assert.Equal(990, charge["result"]!["structuredContent"]!["balance_after"]!.GetValue<long>());
        Assert.All(server.StdoutLines, AssertJsonRpc);
    }

    [Fact]
    public async Task MalformedLines_AreSurvived_AndTheNextRequestIsAnswered()
    {
        using var folder = new TempFolder();
        await using var server = ServerProcess.Start(ServerProcess.Server("serve", "--db", folder.File("ledger.db"), "--account", "alice"));
        await server.RequestAsync(1, "initialize", Initialize);
        await server.SendAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");

        await server.SendAsync("this is not json at all");
        await server.SendAsync("""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_bal""");
        await server.SendAsync("""[1,"two",{"three":3},null]""");
        await server.SendAsync("""{"hello":"world"}""");
        var balance = await server.RequestAsync(3, "tools/call", """{"name":"get_balance","arguments":{}}""");
        var truncated = await server.ResponseAsync(2);
        server.CloseInput();
        var exitCode = await server.WaitForExitAsync();

        Assert.Equal(1000, balance["result"]!["structuredContent"]!["balance"]!.GetValue<long>());
        // A truncated request whose id can still be read gets a parse error with that id, once.
        Assert.Equal(-32700, truncated["error"]!["code"]!.GetValue<int>());
        Assert.Equal(0, exitCode);
        Assert.All(server.StdoutLines, AssertJsonRpc);
        // The lines with no id to answer with get the JSON-RPC error for what they are, with a null id, in order.
        var nullIdCodes = server.StdoutLines.Select(l => JsonNode.Parse(l)!.AsObject())
            .Where(m => m.TryGetPropertyValue("id", out var id) && id is null)
            .Select(m => m["error"]!["code"]!.GetValue<int>());
        Assert.Equal([-32700, -32600, -32600], nullIdCodes);
        Assert.Single(server.StdoutLines, l => l.Contains("\"id\":2", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("reserved prefix", "--account", "system:grants")]
    [InlineData("account must be 1-64 characters", "--account", "bad account!")]
    [InlineData("Could not start", "--db", "{blocked}")]
    [InlineData("--no-such-option", "--no-such-option")]
    public async Task StartupFailure_ExitsNonZero_WithTheReasonOnStderrAndNothingOnStdout(string reason, params string[] args)
    {
        using var folder = new TempFolder();
        // A directory that cannot be created on any system: its parent is a regular file.
        File.WriteAllText(folder.File("not-a-folder"), "x");
        var blocked = Path.Combine(folder.File("not-a-folder"), "sub", "ledger.db");
        var db = folder.File("ledger.db");
        string[] arguments = [.. args.Select(a => a == "{blocked}" ? blocked : a)];
        if (!arguments.Contains("--db"))
        {
            arguments = ["--db", db, .. arguments];
        }

        await using var server = ServerProcess.Start(ServerProcess.Server(["serve", .. arguments]));
        server.CloseInput();
        var exitCode = await server.WaitForExitAsync();

        Assert.NotEqual(0, exitCode);
        Assert.Empty(server.StdoutLines);
        Assert.Contains(server.StderrLines, l => l.Contains(reason, StringComparison.Ordinal));
        // A refused start leaves no ledger file behind.
        Assert.False(File.Exists(db));
    }

    [Fact]
    public async Task Serve_SignsReceiptsWithAnOwnerOnlyKeyFileBesideTheLedger_OrTheOneAndIssuerConfigured()
    {
        using var folder = new TempFolder();
        var db = folder.File("ledger.db");
        var configured = Path.Combine(folder.Path, "keys", "receipts.json");
        string beside;
        await using (var client = await ServerProcess.ConnectAsync(["serve", "--db", db], "2025-11-25"))
        {
            beside = (await client.CallOkAsync("charge_for_operation", """{"operation":"model.export.step"}""")).GetProperty("receipt").GetString()!;
        }

        string elsewhere;
        var environment = new Dictionary<string, string?> { ["CYCLETOKENS_RECEIPT_KEYS"] = configured };
        await using (var client = await ServerProcess.ConnectAsync(["serve", "--db", db, "--receipt-issuer", "https://billing.example.com"], "2025-11-25", environment))
        {
            elsewhere = (await client.CallOkAsync("spend_tokens", """{"amount":5,"operation":"custom.render"}""")).GetProperty("receipt").GetString()!;
        }

        var besideKeys = await Core.Receipts.ReceiptKeyRing.LoadPublicKeysAsync(db + ".receipt-keys.json");
        var configuredKeys = await Core.Receipts.ReceiptKeyRing.LoadPublicKeysAsync(configured);
        Assert.Equal("cycletokens", Core.Receipts.ReceiptVerifier.Verify(beside, besideKeys).Claims?.Iss);
        Assert.Equal("https://billing.example.com", Core.Receipts.ReceiptVerifier.Verify(elsewhere, configuredKeys).Claims?.Iss);
        Assert.Equal(Core.Receipts.ReceiptCheck.UnknownKey, Core.Receipts.ReceiptVerifier.Verify(elsewhere, besideKeys).Outcome);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(db + ".receipt-keys.json"));
        }
    }

    [Fact]
    public async Task OperatorFlag_ListsTheOperatorTools_AndAddsAnAccountArgument()
    {
        using var folder = new TempFolder();
        await using var client = await ServerProcess.ConnectAsync(["serve", "--db", folder.File("ledger.db"), "--account", "alice", "--operator"], "2025-11-25");

        var tools = await client.ListToolsAsync();

        Assert.Equal(AgentTools.Concat(OperatorTools).Order(StringComparer.Ordinal), tools.Select(t => t.Name).Order(StringComparer.Ordinal));
        var balance = tools.Single(t => t.Name == "get_balance").ProtocolTool.InputSchema;
        Assert.True(balance.GetProperty("properties").TryGetProperty("account", out _));
    }

    [Fact]
    public async Task EnvironmentVariables_ConfigureTheServerLikeTheFlags()
    {
        using var folder = new TempFolder();
        var db = folder.File("from-env.db");
        var environment = new Dictionary<string, string?>
        {
            ["CYCLETOKENS_DB"] = db,
            ["CYCLETOKENS_ACCOUNT"] = "bob",
            ["CYCLETOKENS_OPERATOR"] = "true",
        };

        // No subcommand and no flags: serve is the default and everything comes from the environment.
        await using (var client = await ServerProcess.ConnectAsync([], "2025-11-25", environment))
        {
            var tools = await client.ListToolsAsync();
            var balance = await client.CallToolAsync("get_balance");

            Assert.Superset(OperatorTools.ToHashSet(), tools.Select(t => t.Name).ToHashSet());
            Assert.Equal("bob", balance.StructuredContent!.Value.GetProperty("account").GetString());
        }

        Assert.True(File.Exists(db));
    }

    [Fact]
    public async Task BudgetFlagsAndVariables_LimitTheStdioServer_AndGetBudgetShowsThem()
    {
        using var folder = new TempFolder();
        var environment = new Dictionary<string, string?> { ["CYCLETOKENS_MAX_PER_DAY"] = "15", ["CYCLETOKENS_CONFIRM_ABOVE"] = "100" };

        await using var client = await ServerProcess.ConnectAsync(["serve", "--db", folder.File("ledger.db"), "--account", "alice", "--max-per-call", "12"], "2025-11-25", environment);
        var charge = await client.CallToolAsync("charge_for_operation", new Dictionary<string, object?> { ["operation"] = "model.export.step" });
        var perDay = await client.CallToolAsync("spend_tokens", new Dictionary<string, object?> { ["amount"] = 6, ["operation"] = "custom.render" });
        var perCall = await client.CallToolAsync("spend_tokens", new Dictionary<string, object?> { ["amount"] = 13, ["operation"] = "custom.render" });
        var budget = (await client.CallToolAsync("get_budget")).StructuredContent!.Value;

        Assert.True(charge.IsError is not true, McpTestServer.Text(charge));
        Assert.Equal("max_per_day is 15 tokens; 10 used today, this call needs 6", McpTestServer.Text(perDay));
        Assert.Equal("max_per_call is 12 tokens; this call needs 13", McpTestServer.Text(perCall));
        Assert.Equal("stdio:alice", budget.GetProperty("credential").GetString());
        Assert.Equal(12, budget.GetProperty("max_per_call").GetInt64());
        Assert.Equal(15, budget.GetProperty("max_per_day").GetInt64());
        Assert.Equal(100, budget.GetProperty("confirm_above").GetInt64());
        Assert.Equal(5, budget.GetProperty("left_today").GetInt64());
    }

    [Fact]
    public async Task CommandLine_OverridesTheEnvironment()
    {
        using var folder = new TempFolder();
        var environment = new Dictionary<string, string?> { ["CYCLETOKENS_DB"] = folder.File("from-env.db"), ["CYCLETOKENS_ACCOUNT"] = "bob" };

        await using var client = await ServerProcess.ConnectAsync(["serve", "--account", "carol"], "2025-11-25", environment);
        var balance = await client.CallToolAsync("get_balance");
        var tools = await client.ListToolsAsync();

        Assert.Equal("carol", balance.StructuredContent!.Value.GetProperty("account").GetString());
        Assert.DoesNotContain(tools, t => OperatorTools.Contains(t.Name));
    }

    [Fact]
    public async Task DotnetRun_PrintsNothingButJsonRpcOnStdout()
    {
        using var folder = new TempFolder();
        var root = ServerProcess.RepositoryRoot();
        var project = Path.Combine(root, "src", "CycleTokens.Mcp");
        var configuration = ServerProcess.BuildConfiguration;
        // The test build has built the server project already; only build again when its output is missing.
        var built = File.Exists(Path.Combine(project, "bin", configuration, "net10.0", "cycletokens.dll"));
        List<string> args = ["run", "--project", project, "-c", configuration];
        if (built)
        {
            args.Add("--no-build");
        }

        var info = ServerProcess.Command(ServerProcess.DotnetHost, [.. args, "--", "--db", folder.File("ledger.db"), "--account", "alice"]);
        info.WorkingDirectory = root;
        await using var server = ServerProcess.Start(info);

        await server.RequestAsync(1, "initialize", Initialize);
        await server.SendAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        var list = await server.RequestAsync(2, "tools/list");
        server.CloseInput();
        var exitCode = await server.WaitForExitAsync();

        Assert.Equal(0, exitCode);
        Assert.Equal(AgentTools.Length, list["result"]!["tools"]!.AsArray().Count);
        Assert.All(server.StdoutLines, AssertJsonRpc);
    }

    private static void AssertJsonRpc(string line)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(line);
        }
        catch (JsonException ex)
        {
            throw new Xunit.Sdk.XunitException($"stdout line is not JSON ({ex.Message}): {line}");
        }

        var message = Assert.IsType<JsonObject>(node);
        Assert.Equal("2.0", message["jsonrpc"]?.GetValue<string>());
        Assert.True(message.ContainsKey("method") || message.ContainsKey("id"), "not a JSON-RPC message: " + line);
    }
}
