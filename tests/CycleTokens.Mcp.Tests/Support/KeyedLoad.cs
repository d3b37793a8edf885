using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using CycleTokens.Core;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// Keyed billing calls from several hosts of one ledger, as careful clients make them: charges, spends and escrows
/// (created, then released or cancelled, sometimes by two senders at once), and now and then one call sent to two
/// hosts at the same moment with the same key. A call that gets no outcome — the ledger unavailable (its retry
/// message), or the host killed — is sent again with the same key, to the next live host, until it has one.
/// </summary>
/// <remarks>
/// Anomalies (the test fails on any): a tool error that is neither an expected business failure nor the retry message,
/// a transport failure from a host the test did not kill, and one key answered two different ways (a replay must
/// return exactly what the first answer said).
/// </remarks>
internal sealed class KeyedLoad(LedgerHosts hosts, string prefix)
{
    /// <summary>Business failures a correct ledger gives under this load.</summary>
    public static readonly string[] ExpectedFailures = ["Insufficient tokens: have ", " is not held (status: "];

    /// <summary>What a call is told when the ledger's database is unavailable: retry with the same key.</summary>
    public static readonly string[] RetryMessages = [LedgerUnavailableException.NothingWrittenMessage, LedgerUnavailableException.OutcomeUnknownMessage];

    private static readonly string[] Operations = ["model.export.step", "analysis.weight", "ai.design_review", "cam.cnc_toolpath"];
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(45);

    private readonly ConcurrentDictionary<string, KeyedCall> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<KeyedOutcome>> _outcomes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _escrows = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Refusal> _refusals = new();
    private readonly ConcurrentQueue<string> _anomalies = new();
    private readonly ConcurrentDictionary<string, int> _inFlight = new(StringComparer.Ordinal);
    private int _keys;
    private int _answered;

    public IReadOnlyCollection<KeyedCall> Calls => [.. _calls.Values];

    public IReadOnlyList<Refusal> Refusals => [.. _refusals];

    public IReadOnlyList<string> Anomalies => [.. _anomalies];

    /// <summary>Calls answered so far (an outcome each, first answers only).</summary>
    public int Answered => Volatile.Read(ref _answered);

    /// <summary>Calls sent to <paramref name="host"/> and not answered yet.</summary>
    public int InFlight(LedgerHost host) => _inFlight.GetValueOrDefault(host.Name);

    /// <summary>Every answer a key was given, in order.</summary>
    public IReadOnlyList<KeyedOutcome> Outcomes(string key) => _outcomes.TryGetValue(key, out var list) ? [.. list] : [];

    /// <summary>
    /// One sender: <paramref name="count"/> random calls for <paramref name="account"/>, first sent to the host
    /// <paramref name="host"/> (counting live hosts).
    /// </summary>
    public async Task SendAsync(int host, string account, int count, Random random, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            var roll = random.Next(100);
            if (roll < 40)
            {
                await RunAsync(Charge(account, random), host, cancellationToken);
            }
            else if (roll < 58)
            {
                await RunAsync(New(account, "spend_tokens", new JsonObject { ["amount"] = random.Next(1, 26), ["operation"] = "render.preview" }), host, cancellationToken);
            }
            else if (roll < 74)
            {
                var call = New(account, "create_escrow", new JsonObject { ["amount"] = random.Next(5, 41), ["job_id"] = $"job-{random.Next(1000)}", ["fab_id"] = "fab-1" });
                if (await RunAsync(call, host, cancellationToken) is { Ok: true } created)
                {
                    _escrows.GetOrAdd(account, _ => new ConcurrentQueue<string>()).Enqueue(created.Str("escrow_id"));
                }
            }
            else if (roll < 90 && _escrows.TryGetValue(account, out var pool) && pool.TryDequeue(out var escrow))
            {
                if (random.Next(4) == 0)
                {
                    // Another sender will act on it too: exactly one of them may succeed.
                    pool.Enqueue(escrow);
                }

                var tool = random.Next(2) == 0 ? "release_escrow" : "cancel_escrow";
                await RunAsync(New(account, tool, new JsonObject { ["escrow_id"] = escrow }), host, cancellationToken);
            }
            else
            {
                // The same key to two hosts at the same moment, as a client that retries too eagerly would.
                var call = Charge(account, random);
                await Task.WhenAll(RunAsync(call, host, cancellationToken), RunAsync(call, host + 1, cancellationToken));
            }
        }
    }

    /// <summary>Sends the call until it has an outcome, starting at the live host <paramref name="host"/>, then the next.</summary>
    public async Task<KeyedOutcome> RunAsync(KeyedCall call, int host, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (await TryAsync(hosts.Live(host + attempt), call, cancellationToken) is { } outcome)
            {
                return outcome;
            }

            await Task.Delay(RetryDelay, cancellationToken);
        }
    }

    /// <summary>A new charge (params drawn from a small set, so the cache discount applies now and then).</summary>
    public KeyedCall Charge(string account, Random random) =>
        New(account, "charge_for_operation", new JsonObject { ["operation"] = Operations[random.Next(Operations.Length)], ["params"] = new JsonObject { ["part"] = random.Next(50) } });

    /// <summary>A new call with a key of its own.</summary>
    public KeyedCall New(string account, string tool, JsonObject arguments)
    {
        var key = $"{prefix}-{Interlocked.Increment(ref _keys):D5}";
        arguments["idempotency_key"] = key;
        var call = new KeyedCall(key, account, tool, arguments);
        _calls[key] = call;
        return call;
    }

    private async Task<KeyedOutcome?> TryAsync(LedgerHost host, KeyedCall call, CancellationToken cancellationToken)
    {
        CallToolResult result;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CallTimeout);
        var sent = Stopwatch.GetTimestamp();
        _inFlight.AddOrUpdate(host.Name, 1, (_, n) => n + 1);
        try
        {
            var args = call.Arguments.ToDictionary(p => p.Key, p => JsonSerializer.SerializeToElement(p.Value));
            result = await host.Client(call.Account).CallToolAsync(new CallToolRequestParams { Name = call.Tool, Arguments = args }, timeout.Token);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Only a host the test killed may drop a call; every other host must answer each one.
            _refusals.Enqueue(new Refusal(host.Name, call.Key, $"{ex.GetType().Name}: {ex.Message}", sent, Stopwatch.GetTimestamp()));
            if (!host.Killed)
            {
                _anomalies.Enqueue($"{host.Name}: {call.Tool} {call.Key} threw {ex.GetType().Name}: {ex.Message}");
            }

            return null;
        }
        finally
        {
            _inFlight.AddOrUpdate(host.Name, 0, (_, n) => n - 1);
        }

        var error = result.IsError is true ? McpTestServer.Text(result) : null;
        if (error is not null && RetryMessages.Contains(error))
        {
            _refusals.Enqueue(new Refusal(host.Name, call.Key, error, sent, Stopwatch.GetTimestamp()));
            return null;
        }

        if (error is not null && !ExpectedFailures.Any(f => error.Contains(f, StringComparison.Ordinal)))
        {
            _anomalies.Enqueue($"{host.Name}: {call.Tool} {call.Key} failed unexpectedly: {error}");
        }

        var replayed = error is null
            ? result.StructuredContent is { } s && s.TryGetProperty("replayed", out var r) && r.ValueKind == JsonValueKind.True
            : result.Meta?["replayed"]?.GetValue<bool>() == true;
        var outcome = new KeyedOutcome(host.Name, result.StructuredContent?.Clone(), error, replayed);
        Record(call, outcome);
        return outcome;
    }

    private void Record(KeyedCall call, KeyedOutcome outcome)
    {
        var answers = _outcomes.GetOrAdd(call.Key, _ => new ConcurrentQueue<KeyedOutcome>());
        lock (answers)
        {
            if (answers.TryPeek(out var first) && !Same(first, outcome))
            {
                _anomalies.Enqueue($"{call.Key} was answered {Shown(first)} by {first.Host}, then {Shown(outcome)} by {outcome.Host}");
            }

            if (answers.IsEmpty)
            {
                Interlocked.Increment(ref _answered);
            }

            answers.Enqueue(outcome);
        }
    }

    // The same answer, whether or not it is a replay.
    private static bool Same(KeyedOutcome a, KeyedOutcome b) =>
        a.Error == b.Error && JsonNode.DeepEquals(WithoutReplayed(a.Result), WithoutReplayed(b.Result));

    private static JsonObject? WithoutReplayed(JsonElement? result)
    {
        if (result is not { } value || JsonNode.Parse(value.GetRawText()) is not JsonObject json)
        {
            return null;
        }

        json.Remove("replayed");
        return json;
    }

    private static string Shown(KeyedOutcome outcome) => outcome.Error ?? outcome.Result?.GetRawText() ?? "(nothing)";
}
