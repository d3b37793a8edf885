using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// A random mix of billing calls from several server processes on shared accounts: charges (with and without
/// creators, cached and batched), spends, escrows (created with and without an expiry, released and cancelled by
/// any session of the owner, sometimes twice), purchases started by agents and completed by operators (sometimes
/// twice), grants, and keyed calls retried by another session. Every outcome goes to the <see cref="LoadRecorder"/>;
/// a retried keyed call must return exactly what the first call returned (else an anomaly).
/// </summary>
internal sealed class MixedLoad(LoadRecorder recorder, IReadOnlyList<string> users)
{
    /// <summary>Business failures a correct ledger gives under this load; anything else is an anomaly.</summary>
    public static readonly string[] ExpectedFailures = ["Insufficient tokens: have ", " is not held (status: "];

    private static readonly string[] Operations = ["model.export.step", "model.export.json", "analysis.weight", "ai.design_review", "cam.cnc_toolpath", "marketplace.publish", "custom.unknown_op"];
    private static readonly string?[] Creators = [null, null, "studio-1", "studio-2"];
    private static readonly string[] Fabs = ["fab-1", "fab-2"];
    private static readonly string[] Methods = ["card", "usdc", "eth", "btc"];
    private static readonly long[] PurchaseSizes = [10, 50, 1000];

    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _escrows = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Retry>> _retries = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _purchases = new();
    private int _keys;

    /// <summary>Called with every successful get_balance result (e.g. to watch month_start).</summary>
    public Action<Actor, JsonElement>? BalanceSeen { get; init; }

    /// <summary>An agent session: charges, spends, escrows, purchases, retries and balance reads for its own account.</summary>
    public async Task AgentLoopAsync(Actor actor, Random random, Func<int, bool> keepGoing, CancellationToken cancellationToken)
    {
        for (var done = 0; keepGoing(done); done++)
        {
            var roll = random.Next(100);
            var step = roll switch
            {
                < 40 => ChargeAsync(actor, random, cancellationToken),
                < 55 => SpendAsync(actor, random, cancellationToken),
                < 67 => CreateEscrowAsync(actor, random, cancellationToken),
                < 79 => SettleEscrowAsync(actor, random, cancellationToken),
                < 85 => PurchaseAsync(actor, random, cancellationToken),
                < 92 => RetryAsync(actor, cancellationToken),
                _ => BalanceAsync(actor, actor.Account, cancellationToken),
            };
            await step;
        }
    }

    /// <summary>An operator session: completes purchases, grants, and bills its own shared account like an agent.</summary>
    public async Task OperatorLoopAsync(Actor actor, Random random, Func<int, bool> keepGoing, CancellationToken cancellationToken)
    {
        for (var done = 0; keepGoing(done); done++)
        {
            var roll = random.Next(100);
            var step = roll switch
            {
                < 25 => CompletePurchaseAsync(actor, random, cancellationToken),
                < 40 => GrantAsync(actor, random, cancellationToken),
                < 65 => ChargeAsync(actor, random, cancellationToken),
                < 75 => SpendAsync(actor, random, cancellationToken),
                < 83 => CreateEscrowAsync(actor, random, cancellationToken),
                < 90 => SettleEscrowAsync(actor, random, cancellationToken),
                < 95 => RetryAsync(actor, cancellationToken),
                _ => BalanceAsync(actor, users[random.Next(users.Count)], cancellationToken),
            };
            await step;
        }
    }

    /// <summary>
    /// An operator whose clock is far ahead touches every user (balance and escrow reads), which cancels the held
    /// escrows it sees as expired, and tries to cancel a few pooled escrows itself.
    /// </summary>
    public async Task SweepAsync(Actor actor, int rounds, CancellationToken cancellationToken)
    {
        for (var round = 0; round < rounds; round++)
        {
            foreach (var user in users)
            {
                await BalanceAsync(actor, user, cancellationToken);
                await recorder.CallAsync(actor.Session, "list_escrows", user, new JsonObject { ["account"] = user }, cancellationToken);
                if (_escrows.TryGetValue(user, out var pool) && pool.TryDequeue(out var id))
                {
                    await recorder.CallAsync(actor.Session, "cancel_escrow", user, new JsonObject { ["account"] = user, ["escrow_id"] = id }, cancellationToken);
                }
            }
        }
    }

    private Task<ToolCall> ChargeAsync(Actor actor, Random random, CancellationToken cancellationToken)
    {
        var args = new JsonObject
        {
            ["operation"] = Operations[random.Next(Operations.Length)],
            ["params"] = new JsonObject { ["part"] = random.Next(3) },
        };
        if (random.Next(6) == 0)
        {
            args["quantity"] = random.Next(2) == 0 ? 10 : 100;
        }

        if (Creators[random.Next(Creators.Length)] is { } creator)
        {
            args["creator_id"] = creator;
        }

        return KeyedAsync(actor, "charge_for_operation", args, random, cancellationToken);
    }

    private Task<ToolCall> SpendAsync(Actor actor, Random random, CancellationToken cancellationToken) =>
        KeyedAsync(actor, "spend_tokens", new JsonObject { ["amount"] = random.Next(1, 41), ["operation"] = "render.preview" }, random, cancellationToken);

    private async Task CreateEscrowAsync(Actor actor, Random random, CancellationToken cancellationToken)
    {
        var args = new JsonObject
        {
            ["amount"] = random.Next(10, 121),
            ["job_id"] = $"job-{random.Next(1000)}",
            ["fab_id"] = Fabs[random.Next(Fabs.Length)],
        };
        if (random.Next(2) == 0)
        {
            args["expires_in_hours"] = 1;
        }

        var call = await KeyedAsync(actor, "create_escrow", args, random, cancellationToken);
        // Some escrows are left alone: only an expiry (or the end of the test) settles them.
        if (call is { Ok: true, Replayed: false } && random.Next(10) < 6)
        {
            Pool(_escrows, actor.Account).Enqueue(call.Str("escrow_id"));
        }
    }

    private async Task SettleEscrowAsync(Actor actor, Random random, CancellationToken cancellationToken)
    {
        if (!Pool(_escrows, actor.Account).TryDequeue(out var id))
        {
            await BalanceAsync(actor, actor.Account, cancellationToken);
            return;
        }

        if (random.Next(5) == 0)
        {
            // Someone else will act on it too: exactly one of them may succeed.
            Pool(_escrows, actor.Account).Enqueue(id);
        }

        var tool = random.Next(2) == 0 ? "release_escrow" : "cancel_escrow";
        await KeyedAsync(actor, tool, new JsonObject { ["escrow_id"] = id }, random, cancellationToken);
    }

    private async Task PurchaseAsync(Actor actor, Random random, CancellationToken cancellationToken)
    {
        var args = new JsonObject { ["tokens"] = PurchaseSizes[random.Next(PurchaseSizes.Length)], ["method"] = Methods[random.Next(Methods.Length)] };
        var call = await KeyedAsync(actor, "purchase_tokens", args, random, cancellationToken);
        if (call is { Ok: true, Replayed: false })
        {
            _purchases.Enqueue(call.Str("purchase_id"));
        }
    }

    private async Task CompletePurchaseAsync(Actor actor, Random random, CancellationToken cancellationToken)
    {
        if (!_purchases.TryDequeue(out var id))
        {
            await GrantAsync(actor, random, cancellationToken);
            return;
        }

        if (random.Next(4) == 0)
        {
            // Completed twice (maybe by the other operator at the same moment): credited once.
            _purchases.Enqueue(id);
        }

        await recorder.CallAsync(actor.Session, "complete_purchase", "(purchase)", new JsonObject { ["purchase_id"] = id }, cancellationToken);
    }

    private Task<ToolCall> GrantAsync(Actor actor, Random random, CancellationToken cancellationToken)
    {
        var user = users[random.Next(users.Count)];
        var args = new JsonObject { ["account"] = user, ["amount"] = random.Next(20, 201), ["idempotency_key"] = NewKey() };
        return recorder.CallAsync(actor.Session, "grant_tokens", user, args, cancellationToken);
    }

    private async Task BalanceAsync(Actor actor, string user, CancellationToken cancellationToken)
    {
        var call = await recorder.CallAsync(actor.Session, "get_balance", user, actor.Operator ? new JsonObject { ["account"] = user } : [], cancellationToken);
        if (call.Ok)
        {
            if (call.Long("balance") < 0 || call.Long("allowance_balance") < 0 || call.Long("purchased_balance") < 0)
            {
                recorder.Anomaly($"{actor.Session.Name}: negative balance {call.Result}");
            }

            BalanceSeen?.Invoke(actor, call.Result!.Value);
        }
    }

    /// <summary>Makes a call, keyed now and then; a keyed call may be queued for another session of the account to retry.</summary>
    private async Task<ToolCall> KeyedAsync(Actor actor, string tool, JsonObject args, Random random, CancellationToken cancellationToken)
    {
        var keyed = random.Next(10) < 3;
        if (keyed)
        {
            args["idempotency_key"] = NewKey();
        }

        var sent = actor.Operator ? With(args, actor.Account) : args;
        var call = await recorder.CallAsync(actor.Session, tool, actor.Account, (JsonObject)sent.DeepClone(), cancellationToken);
        if (keyed && random.Next(10) < 4)
        {
            Pool(_retries, actor.Account).Enqueue(new Retry(tool, args, call));
        }

        return call;
    }

    private async Task RetryAsync(Actor actor, CancellationToken cancellationToken)
    {
        if (!Pool(_retries, actor.Account).TryDequeue(out var retry))
        {
            await BalanceAsync(actor, actor.Account, cancellationToken);
            return;
        }

        var sent = actor.Operator ? With(retry.Arguments, actor.Account) : (JsonObject)retry.Arguments.DeepClone();
        var again = await recorder.CallAsync(actor.Session, retry.Tool, actor.Account, sent, cancellationToken);
        var first = retry.First;
        var same = first.Ok
            ? again is { Ok: true, Replayed: true } && IdOf(again) == IdOf(first)
            : again.Error == first.Error && again.Replayed;
        if (!same)
        {
            recorder.Anomaly($"{actor.Session.Name}: retry of {retry.Tool} {retry.Arguments.ToJsonString()} returned {again.Result?.ToString() ?? again.Error} (replayed {again.Replayed}); the first call returned {first.Result?.ToString() ?? first.Error}");
        }
    }

    private static string? IdOf(ToolCall call)
    {
        foreach (var name in (string[])["transaction_id", "escrow_id", "purchase_id"])
        {
            if (call.Result!.Value.TryGetProperty(name, out var id))
            {
                return name + "=" + id.GetString();
            }
        }

        return null;
    }

    private static JsonObject With(JsonObject args, string account)
    {
        var copy = (JsonObject)args.DeepClone();
        copy["account"] = account;
        return copy;
    }

    private static ConcurrentQueue<T> Pool<T>(ConcurrentDictionary<string, ConcurrentQueue<T>> pools, string account) =>
        pools.GetOrAdd(account, static _ => new ConcurrentQueue<T>());

    private string NewKey() => $"key-{Interlocked.Increment(ref _keys):D6}";

    private sealed record Retry(string Tool, JsonObject Arguments, ToolCall First);
}
