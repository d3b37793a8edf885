using CycleTokens.Mcp.Tests.Support;

namespace CycleTokens.Mcp.Tests.Tools;

/// <summary>
/// Requests the C# client refuses to produce, sent as raw JSON-RPC lines: whatever layer refuses them (the SDK parses
/// them before any tool runs), the client gets an error without internals, nothing is written, and the session goes on.
/// </summary>
public sealed class MalformedRequestTests
{
    public static TheoryData<string> Arguments =>
    [
        """{"operation":"model.export.step","idempotency_key":"k\ud800"}""",
        """{"operation":"model.export.step","creator_id":"\udc00"}""",
        """{"operation":"model.export.step","metadata":{"note":"\ud800"}}""",
        """{"operation":"model.export.step","k\ud800":1}""",
        """{"operation":"model.export.step","params":""" + string.Concat(Enumerable.Repeat("{\"a\":", 99)) + "{}" + new string('}', 99) + "}",
        """{"operation":"model.export.step","quantity":2,"quantity":-2}""",
    ];

    [Theory]
    [MemberData(nameof(Arguments))]
    public async Task MalformedArguments_GetAnErrorWithoutInternalsAndWriteNothing(string arguments)
    {
        await using var raw = await RawMcpConnection.StartAsync();
        await raw.RequestAsync("""{"method":"tools/call","params":{"name":"get_balance","arguments":{}}}""");
        var before = await LedgerSnapshot.TakeAsync(raw.Ledger, "alice");

        var response = await raw.RequestAsync("""{"method":"tools/call","params":{"name":"charge_for_operation","arguments":""" + arguments + "}}");

        var text = response["error"]?["message"]?.GetValue<string>()
            ?? string.Concat(response["result"]?["content"]?.AsArray().Select(c => c?["text"]?.GetValue<string>()) ?? []);
        Assert.True(response["error"] is not null || response["result"]?["isError"]?.GetValue<bool>() == true, response.ToJsonString());
        foreach (var bad in new[] { "Exception", "surrogate", "UTF-16", "   at ", raw.Folder, "System." })
        {
            Assert.DoesNotContain(bad, text, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal(before, await LedgerSnapshot.TakeAsync(raw.Ledger, "alice"));
        var balance = await raw.RequestAsync("""{"method":"tools/call","params":{"name":"get_balance","arguments":{}}}""");
        Assert.Equal(1000, balance["result"]?["structuredContent"]?["balance"]?.GetValue<long>());
    }
}
