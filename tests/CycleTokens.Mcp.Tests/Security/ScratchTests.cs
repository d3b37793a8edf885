using CycleTokens.Mcp.Tests.Support;
using Xunit.Abstractions;

namespace CycleTokens.Mcp.Tests.Security;

public sealed class ScratchTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Explore()
    {
        await using var raw = await RawMcpConnection.StartAsync();
        string[] reqs =
        [
            """{"method":"tools/call","params":{"name":"charge_for_operation","arguments":{"operation":"model.export.step","idempotency_key":"k\ud800"}}}""",
            """{"method":"tools/call","params":{"name":"create_escrow","arguments":{"amount":5,"fab_id":"acme","job_id":"k\udc00x"}}}""",
            """{"method":"tools/call","params":{"name":"charge_for_operation","arguments":{"operation":"model\ud800"}}}""",
            """{"method":"tools/call","params":{"name":"charge_for_operation","arguments":{"operation":"model.export.step","metadata":{"a":"\ud800"}}}}""",
            """{"method":"tools/call","params":{"name":"charge_for_operation","arguments":{"operation":"model.export.step","metadata":{"\ud800":"a"}}}}""",
            """{"method":"tools/call","params":{"name":"charge_for_operation","arguments":{"operation":"model.export.step","params":{"a":"\ud800"}}}}""",
            """{"method":"tools/call","params":{"name":"spend_tokens","arguments":{"amount":"\ud800","operation":"x"}}}""",
            """{"method":"tools/call","params":{"name":"get_usage","arguments":{"since":"\ud800"}}}""",
            """{"method":"tools/call","params":{"name":"list_operations","arguments":{"category":"\ud800"}}}""",
            """{"method":"tools/call","params":{"name":"get_balance","arguments":{"\ud800":1}}}""",
            """{"method":"tools/call","params":{"name":"get\ud800","arguments":{}}}""",
            """{"method":"tools/call","params":{"name":"charge_for_operation","arguments":{"operation":"mod\u0000el"}}}""",
            """{"method":"tools/call","params":{"name":"get_usage","arguments":{"since":"2026-03-01T00:00:00+01:00"}}}""",
            """{"method":"tools/call","params":{"name":"charge_for_operation","arguments":{"operation":"\u00e9"}}}""",
        ];
        foreach (var r in reqs)
        {
            var resp = await raw.RequestAsync(r);
            output.WriteLine(r + "\n  => " + resp.ToJsonString()[..Math.Min(600, resp.ToJsonString().Length)]);
        }

        foreach (var line in new[] { "not json", "{", "[]", "[1,2]", "{\"jsonrpc\":\"1.0\",\"id\":99,\"method\":\"ping\"}", "{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"ping\"}", "{\"jsonrpc\":\"2.0\",\"id\":98}", "\u0000\u0000", "{\"jsonrpc\":\"2.0\",\"id\":97,\"method\":5}" })
        {
            await raw.SendLineAsync(line);
            var resp = await raw.RequestAsync("""{"method":"tools/call","params":{"name":"get_balance","arguments":{}}}""");
            output.WriteLine("LINE " + line + " => next ok: " + resp.ToJsonString()[..80]);
        }
    }
}
