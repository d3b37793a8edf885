using System.Text;
using System.Text.Json.Nodes;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Reservations;
using CycleTokens.Core.Tests.Support;
using CycleTokens.Mcp.Hosting;
using CycleTokens.Mcp.Tests.Support;
using CycleTokens.Mcp.Tools;
using Xunit.Abstractions;

namespace CycleTokens.Mcp.Tests.Security;

/// <summary>
/// Bad input no client library sends, written as raw JSON-RPC lines: lone surrogates in every string argument of
/// every tool (agent and operator mode), arguments that are not an object, nesting far beyond any limit, broken
/// JSON-RPC framing, invalid UTF-8. Each gets no answer or a clean error; every line the server writes stays
/// well-formed JSON-RPC without internals; the session answers the next good call; the ledger is unchanged.
/// </summary>
public sealed class HostileRawInputTests(ITestOutputHelper output)
{
    private static readonly string[] LoneSurrogates = ["\"a\\ud800b\"", "\"\\udc00\"", "\"x\\ud83d\"", "\"\\udfff\\ud800\""];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task LoneSurrogatesAndBrokenShapes_InEveryArgumentOfEveryTool_AreRefusedCleanly(bool operatorMode)
    {
        await using var session = await RawLineSession.StartAsync(operatorMode: operatorMode);
        var fixtures = await SetUpAsync(session);
        var requests = Requests(new ServerMode("alice", operatorMode), fixtures).ToList();
        using var fingerprint = new LedgerFingerprint(session.DatabasePath);
        var before = await fingerprint.FullAsync(session.Ledger, "alice", "bob");
        var failures = new List<string>();

        foreach (var request in requests)
        {
            var (response, other) = await session.RequestAsync(request);
            if (RawLineSession.ErrorText(response) is not { } error)
            {
                failures.Add($"{Describe(request)}: it succeeded: {Describe(response.ToJsonString())}");
            }
            else if (SafeErrorText.Problem(error, request, session.Folder) is { } problem)
            {
                failures.Add($"{Describe(request)}: {problem}");
            }

            failures.AddRange(BadLines(other, request, session.Folder).Select(p => $"{Describe(request)}: {p}"));
            await AssertGoodCallAsync(session, request, failures);
        }

        output.WriteLine($"{requests.Count} raw bad requests in {(operatorMode ? "operator" : "agent")} mode");
        Assert.True(failures.Count == 0, $"{failures.Count} of {requests.Count} raw requests misbehaved:\n" + string.Join("\n", failures.Take(40)));
        Assert.Equal(before, await fingerprint.FullAsync(session.Ledger, "alice", "bob"));
    }

    [Fact]
    public async Task MalformedJsonRpcLines_GetNoAnswerOrACleanError_AndTheSessionGoesOn()
    {
        await using var session = await RawLineSession.StartAsync();
        await SetUpAsync(session);
        using var fingerprint = new LedgerFingerprint(session.DatabasePath);
        var before = await fingerprint.FullAsync(session.Ledger, "alice", "bob");
        var failures = new List<string>();
        var lines = MalformedLines().ToList();

        var sent = new StringBuilder();
        foreach (var (what, bytes) in lines)
        {
            await session.SendBytesAsync(bytes);
            // Requests run concurrently: the answer to one line may come after the next; any of them may be echoed.
            var request = sent.Append(Encoding.UTF8.GetString(bytes)).ToString();
            var (response, other) = await session.RequestAsync("""{"method":"tools/call","params":{"name":"get_balance","arguments":{}}}""");
            if (RawLineSession.ErrorText(response) is { } error)
            {
                failures.Add($"{what}: the next good call failed: {error}");
            }

            failures.AddRange(BadLines(other, request, session.Folder).Select(p => $"{what}: {p}"));
            foreach (var line in other)
            {
                output.WriteLine($"after {what}: {HostileStrings.Describe(line, 200)}");
            }
        }

        output.WriteLine($"{lines.Count} malformed lines");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(before, await fingerprint.FullAsync(session.Ledger, "alice", "bob"));
    }

    [Fact]
    public async Task MalformedLines_ToARealStdioProcess_AreAnsweredCleanly_AndTheProcessServesOnAndExitsZero()
    {
        using var folder = new TempFolder();
        await using var server = ServerProcess.Start(ServerProcess.Server("serve", "--db", folder.File("ledger.db"), "--account", "alice"));
        await server.RequestAsync(1, "initialize", """{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}""");
        await server.SendAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        var before = await server.RequestAsync(2, "tools/call", """{"name":"get_balance","arguments":{}}""");
        var sent = new StringBuilder();

        // Text lines only: the process's stdin writer encodes UTF-8 itself (invalid bytes are covered in memory above).
        foreach (var line in MalformedLines().Where(l => !l.What.StartsWith("invalid UTF-8", StringComparison.Ordinal))
            .Select(l => Encoding.UTF8.GetString(l.Bytes).TrimEnd('\n')))
        {
            sent.Append(line);
            await server.SendAsync(line);
        }

        var after = await server.RequestAsync(3, "tools/call", """{"name":"get_balance","arguments":{}}""");
        var badCall = await server.RequestAsync(4, "tools/call", """{"name":"spend_tokens","arguments":{"amount":"'; DROP TABLE transactions; --","operation":"x"}}""");
        server.CloseInput();
        var exitCode = await server.WaitForExitAsync();

        Assert.Equal(0, exitCode);
        Assert.Equal(before["result"]!["structuredContent"]!.ToJsonString(), after["result"]!["structuredContent"]!.ToJsonString());
        Assert.StartsWith("amount must be a whole number", RawLineSession.ErrorText(badCall), StringComparison.Ordinal);
        var problems = BadLines(server.StdoutLines, sent.ToString(), folder.Path).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task RequestShapedLinesTheSdkRejects_DoNotDelayTheExit()
    {
        using var folder = new TempFolder();
        await using var server = ServerProcess.Start(ServerProcess.Server("serve", "--db", folder.File("ledger.db"), "--account", "alice"));
        await server.RequestAsync(1, "initialize", """{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}""");
        foreach (var line in RequestShapedButRejected)
        {
            await server.SendAsync(line);
        }

        await server.RequestAsync(2, "ping");
        server.CloseInput();

        // WaitForExitAsync gives up after 30 seconds, the drain limit: the exit must come well before it.
        Assert.Equal(0, await server.WaitForExitAsync());
    }

    /// <summary>
    /// Lines shaped like a request (an object with an id and a method) that the SDK refuses before any handler runs.
    /// The stdio host must not wait for an answer to them at end of input: the SDK answers those whose id it can read,
    /// and the host answers the others itself (see <see cref="RequestShapedLinesTheSdkRejects_DoNotDelayTheExit"/>).
    /// </summary>
    internal static readonly string[] RequestShapedButRejected =
    [
        "{\"jsonrpc\":\"1.0\",\"id\":7002,\"method\":\"ping\"}",
        "{\"id\":7003,\"method\":\"ping\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":7016,\"method\":\"ping\"}\u0000",
        "{\"jsonrpc\":\"2.0\",\"id\":\"\\ud800\",\"method\":\"ping\"}",
    ];

    /// <summary>The raw lines: broken framing, wrong JSON-RPC shapes, invalid UTF-8, oversized and deeply nested lines.</summary>
    internal static IEnumerable<(string What, byte[] Bytes)> MalformedLines()
    {
        string[] texts =
        [
            "not json", "{", "}", "[]", "[1,2]", "[{\"jsonrpc\":\"2.0\",\"id\":7001,\"method\":\"ping\"}]", "null", "42", "\"string\"", "true",
            "{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"ping\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"ping\"}", "{\"jsonrpc\":\"2.0\",\"id\":7004}", "{\"jsonrpc\":\"2.0\",\"id\":7005,\"method\":5}",
            "{\"jsonrpc\":\"2.0\",\"id\":7006,\"method\":null}", "{\"jsonrpc\":\"2.0\",\"id\":7007,\"method\":\"\"}", "{\"jsonrpc\":\"2.0\",\"id\":7008,\"method\":\"tools/call\",\"params\":\"x\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":7009,\"method\":\"tools/call\",\"params\":[\"get_balance\"]}", "{\"jsonrpc\":\"2.0\",\"id\":7010,\"method\":\"'; DROP TABLE transactions; --\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":7011,\"method\":\"tools/call\",\"params\":{\"name\":\"spend_tokens\",\"arguments\":{\"amount\":5,\"operation\":\"x\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":7012,\"result\":{}}", "{\"jsonrpc\":\"2.0\",\"id\":7013,\"error\":{\"code\":1,\"message\":\"x\"}}",
            "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":999999}}", "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/unknown\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":7014,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"1900-01-01\",\"capabilities\":{},\"clientInfo\":{\"name\":\"x\",\"version\":\"1\"}}}",
            "{\"jsonrpc\":\"2.0\",\"id\":7015,\"method\":\"tools/call\",\"params\":{\"name\":\"spend_tokens\",\"arguments\":{\"amount\":5,\"amount\":-5,\"operation\":\"custom.render\"}}}",
            "\u0000\u0000\u0000", "\uFEFF{\"jsonrpc\":\"2.0\",\"id\":7017,\"method\":\"ping\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":7018,\"method\":\"ping\"}\r", "{\"jsonrpc\":\"2.0\",\"id\":7019,\"method\":\"ping\",\"params\":{\"\\ud800\":1}}",
            "{\"jsonrpc\":\"2.0\",\"id\":7020,\"method\":\"resources/read\",\"params\":{\"uri\":\"\"}}",
            "{\"jsonrpc\":\"2.0\",\"id\":7021,\"method\":\"resources/read\",\"params\":{\"uri\":\" \"}}", "{\"jsonrpc\":\"2.0\",\"id\":7022,\"method\":\"resources/read\",\"params\":{\"uri\":null}}",
            "{\"jsonrpc\":\"2.0\",\"id\":7023,\"method\":\"resources/read\",\"params\":{\"uri\":\"tokens://escrows/\\ud800\"}}",
            "{\"jsonrpc\":\"2.0\",\"id\":7024,\"method\":\"prompts/get\",\"params\":{\"name\":\"'; DROP TABLE transactions; --\"}}",
            "{\"jsonrpc\":\"2.0\",\"id\":7025,\"method\":\"resources/subscribe\",\"params\":{\"uri\":\"file:///etc/passwd\"}}",
            "{\"jsonrpc\":\"2.0\",\"id\":7026,\"method\":\"tools/call\",\"params\":{\"name\":\"get_balance\",\"arguments\":{},\"_meta\":{\"progressToken\":{\"a\":[1]}}}}",
            new string('x', HostileStrings.OneMegabyte),
            "{\"jsonrpc\":\"2.0\",\"id\":7027,\"method\":\"ping\",\"params\":{\"pad\":\"" + new string('p', HostileStrings.OneMegabyte) + "\"}}",
            new string('[', 100_000),
            "{\"jsonrpc\":\"2.0\",\"id\":7028,\"method\":\"tools/call\",\"params\":{\"name\":\"charge_for_operation\",\"arguments\":{\"operation\":\"model.export.step\",\"params\":" + Nested(10_000) + "}}}",
        ];
        foreach (var text in texts.Concat(RequestShapedButRejected))
        {
            yield return (HostileStrings.Describe(text, 80), Encoding.UTF8.GetBytes(text + "\n"));
        }

        byte[][] invalidUtf8 =
        [
            [0xFF, 0xFE, 0x0A],
            [0xC0, 0xAF, 0x0A],
            [0xED, 0xA0, 0x80, 0x0A],
            [.. Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":7101,\"method\":\"tools/call\",\"params\":{\"name\":\"get_escrow\",\"arguments\":{\"escrow_id\":\""), 0xFF, 0xC3, .. Encoding.UTF8.GetBytes("\"}}}\n")],
            [.. Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":7102,\"method\":\"tools/call\",\"params\":{\"name\":\"estimate_operation\",\"arguments\":{\"operation\":\"model.export.step\",\"params\":{\"k\":\""), 0xED, 0xA0, 0x80, .. Encoding.UTF8.GetBytes("\"}}}}\n")],
            [.. Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":7103,\"method\":\"tools/call\",\"params\":{\"name\":\"get_"), 0xC3, .. Encoding.UTF8.GetBytes("balance\",\"arguments\":{}}}\n")],
        ];
        foreach (var bytes in invalidUtf8)
        {
            yield return ("invalid UTF-8 " + Convert.ToHexString(bytes.Length > 12 ? bytes[^12..] : bytes), bytes);
        }
    }

    /// <summary>Problems with lines the server wrote besides the awaited answer: each must be JSON-RPC 2.0, and any error in it safe.</summary>
    internal static IEnumerable<string> BadLines(IEnumerable<string> lines, string request, string folder)
    {
        foreach (var line in lines)
        {
            JsonObject? message;
            try
            {
                message = JsonNode.Parse(line) as JsonObject;
            }
            catch (System.Text.Json.JsonException)
            {
                message = null;
            }

            if (message is null || message["jsonrpc"]?.GetValue<string>() != "2.0")
            {
                yield return "the server wrote a line that is not JSON-RPC: " + HostileStrings.Describe(line, 200);
            }
            else if (RawLineSession.ErrorText(message) is { } error && SafeErrorText.Problem(error, request, folder) is { } problem)
            {
                yield return problem;
            }
        }
    }

    private static IEnumerable<string> Requests(ServerMode mode, CallFixtures fixtures)
    {
        var registry = new ToolRegistry(mode);
        foreach (var tool in registry.Tools)
        {
            registry.TryGet(tool.Name, out _, out var parameters);
            var name = BadCallGenerator.Json(tool.Name);
            foreach (var p in parameters)
            {
                var raws = p.Kind == ParamKind.Object
                    ? LoneSurrogates.SelectMany(s => new[] { "{\"k\":" + s + "}", "{" + s + ":1}", "{\"k\":[{\"k\":" + s + "}]}" })
                        .Concat([Nested(100), Nested(1000), "{\"k\":1,\"k\":2}", "{\"a\":{\"k\":\"x\",\"k\":\"=1+1\"}}"])
                    : LoneSurrogates;
                foreach (var raw in raws)
                {
                    var args = BadCallGenerator.Base(tool.Name, mode.Account, fixtures);
                    args[p.Name] = raw;
                    yield return Call(name, BadCallGenerator.Object(args));
                }
            }

            var baseJson = BadCallGenerator.Object(BadCallGenerator.Base(tool.Name, mode.Account, fixtures));
            yield return Call(name, baseJson == "{}" ? "{\"\\ud800\":1}" : baseJson[..^1] + ",\"\\ud800\":1}");
            foreach (var shape in new[] { "[]", "[{}]", "\"{}\"", "5", "true", Nested(100), "{\"a\":" + new string('[', 5000) + new string(']', 5000) + "}" })
            {
                yield return Call(name, shape);
            }
        }

        foreach (var nameJson in new[] { "\"get_balance\\ud800\"", "\"\\udc00\"", "5", "null", "{}", "[\"get_balance\"]", "\"" + new string('n', 100_000) + "\"" })
        {
            yield return "{\"method\":\"tools/call\",\"params\":{\"name\":" + nameJson + ",\"arguments\":{}}}";
        }

        yield return """{"method":"tools/call","params":{"arguments":{}}}""";
        yield return """{"method":"tools/call","params":null}""";
        foreach (var uri in new[] { "\"\"", "\" \"", "5", "null", "\"tokens://escrows/\\ud800\"", "\"tokens://balance\\u0000\"", "\"tokens://escrows/" + fixtures.ForeignEscrowIds[0] + "\"" })
        {
            yield return "{\"method\":\"resources/read\",\"params\":{\"uri\":" + uri + "}}";
        }
    }

    private static string Call(string nameJson, string argumentsJson) =>
        "{\"method\":\"tools/call\",\"params\":{\"name\":" + nameJson + ",\"arguments\":" + argumentsJson + "}}";

    private static string Nested(int depth) => string.Concat(Enumerable.Repeat("{\"a\":", depth - 1)) + "{}" + new string('}', depth - 1);

    private static string Describe(string text) => HostileStrings.Describe(text, 200);

    private static async Task AssertGoodCallAsync(RawLineSession session, string after, List<string> failures)
    {
        var (response, other) = await session.RequestAsync("""{"method":"tools/call","params":{"name":"get_balance","arguments":{}}}""");
        if (RawLineSession.ErrorText(response) is { } error)
        {
            failures.Add($"{Describe(after)}: the next good call failed: {error}");
        }

        failures.AddRange(BadLines(other, after, session.Folder).Select(p => $"{Describe(after)}: {p}"));
    }

    private static async Task<CallFixtures> SetUpAsync(RawLineSession session)
    {
        var ledger = session.Ledger;
        await ledger.GrantAsync("alice", 100_000);
        var charge = await ledger.ChargeAsync("alice", new ChargeRequest("model.export.step"));
        var escrow = await ledger.CreateEscrowAsync("alice", new EscrowRequest(50, "job-1", "acme"));
        var purchase = await ledger.CreatePurchaseAsync("alice", 1000, "card");
        await ledger.GrantAsync("bob", 500);
        var bobs = await ledger.CreateEscrowAsync("bob", new EscrowRequest(40, "bob-job", "acme"));
        var reserved = await ledger.ReserveAsync("alice", new ReservationRequest("model.export.step") { ExpiresInSeconds = 86_400 });
        return new CallFixtures(escrow.Escrow.Id, purchase.Purchase.Id, charge.TransactionId, [bobs.Escrow.Id], reserved.Reservation.Id);
    }
}
