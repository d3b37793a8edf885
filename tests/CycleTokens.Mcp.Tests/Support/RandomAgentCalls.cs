using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>One call an agent session makes: a tool call, or a resource read when <paramref name="Resource"/> is true.</summary>
internal sealed record AgentCall(bool Resource, string Target, string Arguments)
{
    public override string ToString() => (Resource ? "read " : string.Empty) + Target + " " + HostileStrings.Describe(Arguments, 200);
}

/// <summary>
/// A seeded source of agent calls for the authority property: valid and invalid arguments mixed, keys reused (replays
/// and conflicts), the session's own escrows, reservations and purchases, another user's, guessed ids, hostile generated calls,
/// operator tools and account arguments an agent must not have.
/// </summary>
internal sealed class RandomAgentCalls(Random random, IReadOnlyList<string> foreignEscrowIds, IReadOnlyList<string> foreignPurchaseIds, IReadOnlyList<BadCall> hostile)
{
    private static readonly string[] Operations =
        ["model.export.step", "model.export.json", "analysis.weight", "ai.design_review", "cam.cnc_toolpath", "model.download.full_ip", "marketplace.publish", "custom.op", "-cmd"];

    private static readonly string?[] Creators = [null, null, null, "studio", "bob", "alice", "system:grants", "platform", "@SUM"];
    private static readonly string[] Fabs = ["acme", "bob", "alice", "system:payments", "-cmd"];
    private static readonly long[] Amounts = [1, 5, 50, 500, 999, 1000, 5000, 100_000, 1_000_000_000_000];
    private static readonly int[] Quantities = [1, 1, 1, 2, 10, 100, 1000];
    private static readonly string[] Params = ["null", "{}", "{\"a\":1}", "{\"units\":\"mm\",\"part\":{\"id\":7}}"];

    private readonly List<string> _ownEscrows = [];
    private readonly List<string> _ownPurchases = [];
    private readonly List<string> _ownReservations = [];
    private int _keys;

    public AgentCall Next()
    {
        // 0-99: the product spec's tools; 100-114: reservations (agent-billing spec §1).
        var roll = random.Next(115);
        return roll switch
        {
            >= 100 and < 105 => Tool("reserve_operation", ("operation", S(Pick(Operations))), ("quantity", Pick(Quantities).ToString(CultureInfo.InvariantCulture)), ("creator_id", Nullable(Pick(Creators))), ("params", Pick(Params)), ("expires_in_seconds", Pick(["null", "30", "3600", "86400", "29"])), ("idempotency_key", Key())),
            >= 105 and < 110 => Tool("settle_reservation", ("reservation_id", S(ReservationId())), ("quantity", Pick(["null", "0", "1", "2", "1000", "-1"])), ("idempotency_key", Key())),
            >= 110 and < 113 => Tool("void_reservation", ("reservation_id", S(ReservationId())), ("idempotency_key", Key())),
            >= 113 => random.Next(2) == 0 ? Tool("get_reservation", ("reservation_id", S(ReservationId()))) : Tool("list_reservations", ("status", Pick(["null", "\"held\"", "\"expired\""]))),
            < 14 => Tool("charge_for_operation", ("operation", S(Pick(Operations))), ("quantity", Pick(Quantities).ToString(CultureInfo.InvariantCulture)), ("creator_id", Nullable(Pick(Creators))), ("params", Pick(Params)), ("metadata", Maybe("{\"note\":\"=1+1\"}")), ("idempotency_key", Key())),
            < 24 => Tool("spend_tokens", ("amount", Amount()), ("operation", S(Pick(Operations))), ("idempotency_key", Key())),
            < 28 => Tool("estimate_operation", ("operation", S(Pick(Operations))), ("quantity", Pick(Quantities).ToString(CultureInfo.InvariantCulture))),
            < 40 => Tool("create_escrow", ("amount", Amount()), ("job_id", S("job " + random.Next(100))), ("fab_id", S(Pick(Fabs))), ("expires_in_hours", Pick(["null", "null", "1", "24", "720"])), ("idempotency_key", Key())),
            < 48 => Tool("release_escrow", ("escrow_id", S(EscrowId())), ("idempotency_key", Key())),
            < 58 => Tool("cancel_escrow", ("escrow_id", S(EscrowId())), ("idempotency_key", Key())),
            < 62 => Tool("get_escrow", ("escrow_id", S(EscrowId()))),
            < 65 => Tool("purchase_tokens", ("tokens", Pick(["10", "1000", "5000", "9"])), ("method", S(Pick(["card", "eth", "paypal"]))), ("idempotency_key", Key())),
            < 68 => Tool("get_purchase", ("purchase_id", S(PurchaseId()))),
            < 72 => Tool("get_balance"),
            < 74 => Tool("get_transaction_history", ("limit", Pick(["null", "1", "5", "1000"])), ("kind", Pick(["null", "\"charge\"", "\"escrow\"", "\"allowance\""]))),
            < 76 => Tool("get_usage"),
            < 78 => Tool("list_escrows", ("status", Pick(["null", "\"held\"", "\"released\""]))),
            < 80 => Tool(Pick(["get_tier", "list_operations", "export_transactions", "export_account_data"])),
            < 84 => new AgentCall(true, Pick(["tokens://balance", "tokens://transactions.csv", "tokens://escrows/" + EscrowId()]), "{}"),
            < 88 => OperatorAttempt(),
            < 91 => Tool(Pick(["spend_tokens", "create_escrow", "get_balance", "cancel_escrow"]), ("account", S(Pick(["bob", "carol", "alice", "system:grants"]))), ("amount", "5"), ("operation", "\"x\""), ("escrow_id", S(EscrowId())), ("job_id", "\"j\""), ("fab_id", "\"acme\"")),
            _ => FromHostile(),
        };
    }

    /// <summary>Learns the session's own escrows and purchases from successful results.</summary>
    public void Observe(string tool, JsonElement result)
    {
        if (tool == "create_escrow" && result.TryGetProperty("escrow_id", out var escrow) && !_ownEscrows.Contains(escrow.GetString()!))
        {
            _ownEscrows.Add(escrow.GetString()!);
        }

        if (tool == "purchase_tokens" && result.TryGetProperty("purchase_id", out var purchase) && !_ownPurchases.Contains(purchase.GetString()!))
        {
            _ownPurchases.Add(purchase.GetString()!);
        }

        if (tool == "reserve_operation" && result.TryGetProperty("reservation_id", out var reservation) && !_ownReservations.Contains(reservation.GetString()!))
        {
            _ownReservations.Add(reservation.GetString()!);
        }
    }

    private AgentCall OperatorAttempt()
    {
        var name = Pick(BadCallGenerator.Spellings(Pick(Contract.OperatorTools).Name).ToList());
        return Tool(
            name,
            ("account", "\"alice\""),
            ("amount", "1000000"),
            ("tier", "\"ENTERPRISE\""),
            ("purchase_id", S(PurchaseId())),
            ("transaction_id", "\"tx_000001\""),
            ("reason", "\"r\""),
            ("confirm", "\"clear bob\""));
    }

    private AgentCall FromHostile()
    {
        var call = hostile[random.Next(hostile.Count)];
        return new AgentCall(call.Kind == BadCallKind.Resource, call.Target, call.Arguments);
    }

    private string Amount() => random.Next(10) == 0 ? Pick(["-5", "0", "1.5", "\"5\"", "1e400"]) : Pick(Amounts).ToString(CultureInfo.InvariantCulture);

    /// <summary>No key, a fresh key, or one of a few reused keys (replays, and conflicts with other arguments).</summary>
    private string Key() => random.Next(3) switch
    {
        0 => "null",
        1 => S("fresh-" + Interlocked.Increment(ref _keys)),
        _ => S("k" + random.Next(25)),
    };

    private string EscrowId() => random.Next(10) switch
    {
        < 5 when _ownEscrows.Count > 0 => Pick(_ownEscrows),
        < 8 => Pick(foreignEscrowIds),
        8 => "esc_" + random.Next(1, 400).ToString("D6", CultureInfo.InvariantCulture),
        _ => Pick(["esc_999999", "'; DROP TABLE escrows; --", "ESC_000001"]),
    };

    private string ReservationId() => random.Next(10) switch
    {
        < 7 when _ownReservations.Count > 0 => Pick(_ownReservations),
        < 9 => "res_" + random.Next(1, 400).ToString("D6", CultureInfo.InvariantCulture),
        _ => Pick(["res_999999", "'; DROP TABLE reservations; --", "RES_000001"]),
    };

    private string PurchaseId() => random.Next(3) switch
    {
        0 when _ownPurchases.Count > 0 => Pick(_ownPurchases),
        1 => Pick(foreignPurchaseIds),
        _ => "pur_" + random.Next(1, 400).ToString("D6", CultureInfo.InvariantCulture),
    };

    private string Maybe(string json) => random.Next(2) == 0 ? json : "null";

    private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static string S(string value) => JsonSerializer.Serialize(value);

    private static string Nullable(string? value) => value is null ? "null" : S(value);

    private static AgentCall Tool(string name, params (string Name, string Raw)[] args)
    {
        var json = new JsonObject();
        foreach (var (argName, raw) in args.Where(a => a.Raw != "null"))
        {
            json[argName] = JsonNode.Parse(raw);
        }

        return new AgentCall(false, name, json.ToJsonString());
    }
}
