using System.Globalization;
using System.Text.Json;
using CycleTokens.Core;
using CycleTokens.Core.Charges;
using ModelContextProtocol.Client;

namespace CycleTokens.Bench.Http;

/// <summary>
/// The calls the http mode times, one per worker: a keyed <c>charge_for_operation</c> over HTTP, the same charge on
/// the engine in process, a read-only <c>estimate_operation</c> over HTTP, and the reference's <c>echo</c>. Keys are <c>PREFIX-WORKER-SEQ</c>, never repeated, so no
/// charge is a replay.
/// </summary>
internal static class Calls
{
    public const string Operation = "model.export.step";

    private static readonly JsonElement Params = JsonDocument.Parse("""{"part":1,"units":"mm"}""").RootElement;

    public static Func<int, long, CancellationToken, Task> HttpCharge(IReadOnlyList<McpClient> clients, string prefix) => async (w, seq, ct) =>
    {
        var result = await clients[w].CallToolAsync(
            "charge_for_operation",
            new Dictionary<string, object?> { ["operation"] = Operation, ["params"] = Params, ["idempotency_key"] = Key(prefix, w, seq) },
            cancellationToken: ct);
        if (result.IsError == true)
        {
            throw new BenchException($"charge_for_operation failed: {JsonSerializer.Serialize(result.Content)}");
        }
    };

    // Prices the same charge and writes nothing: what the HTTP and MCP layers cost around the engine without a commit.
    public static Func<int, long, CancellationToken, Task> HttpEstimate(IReadOnlyList<McpClient> clients) => async (w, _, ct) =>
    {
        var result = await clients[w].CallToolAsync("estimate_operation", new Dictionary<string, object?> { ["operation"] = Operation, ["params"] = Params }, cancellationToken: ct);
        if (result.IsError == true)
        {
            throw new BenchException($"estimate_operation failed: {JsonSerializer.Serialize(result.Content)}");
        }
    };

    public static Func<int, long, CancellationToken, Task> Echo(IReadOnlyList<McpClient> clients) => async (w, _, ct) =>
    {
        var result = await clients[w].CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = Operation }, cancellationToken: ct);
        if (result.IsError == true)
        {
            throw new BenchException("echo failed");
        }
    };

    public static Func<int, long, CancellationToken, Task> InProcessCharge(TokenLedger ledger, string prefix) => (w, seq, ct) =>
        ledger.ChargeAsync(BenchAccounts.Name(w), new ChargeRequest(Operation) { Params = Params, IdempotencyKey = Key(prefix, w, seq) }, ct);

    // What the HTTP server does for every request before the tool runs: the key is looked up in the ledger (a read
    // through the engine's one connection, the gate write batches hold through their commit), then the charge.
    public static Func<int, long, CancellationToken, Task> InProcessAuthenticatedCharge(TokenLedger ledger, IReadOnlyList<string> secrets, string prefix)
    {
        var charge = InProcessCharge(ledger, prefix);
        return async (w, seq, ct) =>
        {
            if (!(await ledger.AuthenticateAsync(secrets[w], ct)).Succeeded)
            {
                throw new BenchException("the bench key was refused");
            }

            await charge(w, seq, ct);
        };
    }

    private static string Key(string prefix, int worker, long seq) =>
        string.Create(CultureInfo.InvariantCulture, $"{prefix}-{worker}-{seq}");
}
