namespace CycleTokens.Mcp.Tests.Support;

/// <summary>The tool table of <c>shared/spec/tools.md</c> (and agent-billing.md's get_budget), written out once: names, arguments and main result fields.</summary>
internal static class Contract
{
    // Declared first: static fields initialise in text order and the tool rows below use these.
    /// <summary>The fields of an escrow (get_escrow, and the escrow in release/cancel results).</summary>
    public static readonly IReadOnlyList<string> Escrow =
        ["escrow_id", "amount", "job_id", "fab_id", "status", "created_at", "released_at", "cancelled_at", "expires_at", "metadata"];

    /// <summary>The fields of a purchase (checkout_url and currency may be null).</summary>
    public static readonly IReadOnlyList<string> Purchase =
        ["purchase_id", "tokens", "amount_eur", "method", "status", "checkout_url", "currency", "created_at"];

    /// <summary>The fields of a reservation (get_reservation, list_reservations, and reserve/void results), agent-billing spec §1.</summary>
    public static readonly IReadOnlyList<string> Reservation =
        ["reservation_id", "operation", "quantity", "unit_price", "held", "status", "created_at", "expires_at", "metadata"];

    /// <summary>The fields of one transaction in history and exports.</summary>
    public static readonly IReadOnlyList<string> Transaction =
        ["id", "timestamp", "type", "kind", "operation", "amount", "counterparty", "balance_after", "metadata"];

    public static readonly IReadOnlyList<ContractTool> AgentTools =
    [
        new("get_balance", [], [], ["account", "balance", "allowance_balance", "purchased_balance", "held_in_escrow", "held_in_reservations", "tier", "monthly_allowance", "used_this_month", "remaining_this_month", "month_start", "next_reset", "creator_royalty_pct"], ReadOnly: true),
        new("list_operations", [], ["category"], ["operations", "default_price", "token_value_eur"], ReadOnly: true),
        new("estimate_operation", ["operation"], ["params", "quantity"], ["operation", "base_price", "unit_price", "cached", "cache_discount_pct", "quantity", "batch_discount_pct", "total_price", "total_eur", "priced_by", "balance", "affordable"], ReadOnly: true),
        new("charge_for_operation", ["operation"], ["params", "quantity", "creator_id", "metadata", "idempotency_key"], ["transaction_id", "operation", "base_price", "unit_price", "cached", "quantity", "batch_discount_pct", "charged", "creator_id", "creator_share", "platform_share", "balance_after", "replayed"], ReadOnly: false),
        new("spend_tokens", ["amount", "operation"], ["metadata", "idempotency_key"], ["transaction_id", "operation", "charged", "balance_after", "replayed"], ReadOnly: false),
        new("get_transaction_history", [], ["type", "kind", "operation", "after", "before", "min_amount", "limit", "cursor"], ["transactions", "next_cursor"], ReadOnly: true),
        new("get_usage", [], ["since", "until"], ["since", "until", "used", "used_eur", "by_operation"], ReadOnly: true),
        new("create_escrow", ["amount", "job_id", "fab_id"], ["metadata", "expires_in_hours", "idempotency_key"], ["escrow_id", "amount", "job_id", "fab_id", "status", "created_at", "expires_at", "balance_after", "replayed"], ReadOnly: false),
        new("get_escrow", ["escrow_id"], [], Escrow, ReadOnly: true),
        new("list_escrows", [], ["status"], ["escrows"], ReadOnly: true),
        new("release_escrow", ["escrow_id"], ["idempotency_key"], Escrow, ReadOnly: false),
        new("cancel_escrow", ["escrow_id"], ["idempotency_key"], [.. Escrow, "balance_after"], ReadOnly: false),
        new("reserve_operation", ["operation"], ["params", "quantity", "creator_id", "expires_in_seconds", "metadata", "idempotency_key"], ["reservation_id", "operation", "quantity", "unit_price", "held", "expires_at", "balance_after", "replayed"], ReadOnly: false),
        new("settle_reservation", ["reservation_id"], ["quantity", "metadata", "idempotency_key"], ["transaction_id", "operation", "base_price", "unit_price", "cached", "quantity", "batch_discount_pct", "charged", "creator_id", "creator_share", "platform_share", "balance_after", "replayed", "reservation_id", "released", "receipt"], ReadOnly: false),
        new("void_reservation", ["reservation_id"], ["idempotency_key"], [.. Reservation, "balance_after", "replayed"], ReadOnly: false),
        new("get_reservation", ["reservation_id"], [], Reservation, ReadOnly: true),
        new("list_reservations", [], ["status"], ["reservations"], ReadOnly: true),
        new("get_tier", [], [], ["tier", "monthly_allowance", "price_eur_per_month", "creator_royalty_pct", "tiers"], ReadOnly: true),
        new("purchase_tokens", ["tokens", "method"], ["idempotency_key"], Purchase, ReadOnly: false),
        new("get_purchase", ["purchase_id"], [], Purchase, ReadOnly: true),
        new("export_transactions", [], ["format"], ["format", "content", "rows"], ReadOnly: true),
        new("export_account_data", [], [], ["balance", "allowance_balance", "purchased_balance", "tier", "month_start", "transactions", "escrows", "cached_operations"], ReadOnly: true),
        // agent-billing spec §2.
        new("get_budget", [], [], ["max_per_call", "max_per_day", "confirm_above", "used_today", "left_today"], ReadOnly: true),
    ];

    public static readonly IReadOnlyList<ContractTool> OperatorTools =
    [
        new("grant_tokens", ["account", "amount"], ["source", "metadata", "idempotency_key"], ["transaction_id", "account", "amount", "balance_after", "replayed"], ReadOnly: false),
        new("set_tier", ["account", "tier"], [], ["account", "old_tier", "tier", "monthly_allowance", "balance"], ReadOnly: false),
        // agent-billing spec §4: the threshold operators configure per account.
        new("get_low_balance_threshold", ["account"], [], ["account", "threshold", "custom", "tier_default"], ReadOnly: true),
        new("set_low_balance_threshold", ["account"], ["threshold"], ["account", "threshold", "custom", "tier_default"], ReadOnly: false),
        new("complete_purchase", ["purchase_id"], [], [.. Purchase, "balance_after"], ReadOnly: false),
        new("refund_transaction", ["transaction_id", "reason"], ["idempotency_key"], ["refund_transaction_id", "refunded", "balance_after"], ReadOnly: false),
        new("list_accounts", [], ["kind", "limit", "cursor"], ["accounts", "next_cursor"], ReadOnly: true),
        new("verify_ledger", [], [], ["ok", "transactions", "accounts", "postings_sum", "hash_chain_ok", "integrity_ok", "problems"], ReadOnly: true),
        new("clear_account_data", ["account", "confirm"], [], ["account", "cleared"], ReadOnly: false),
    ];

    public static ContractTool Agent(string name) => AgentTools.Single(t => t.Name == name);

    public static ContractTool Any(string name) => AgentTools.Concat(OperatorTools).Single(t => t.Name == name);
}
