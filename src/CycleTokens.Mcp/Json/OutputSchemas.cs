using System.Text.Json.Nodes;
using static CycleTokens.Mcp.Json.Schema;

namespace CycleTokens.Mcp.Json;

/// <summary>The output schemas of the contract's results (matching <see cref="ResultJson"/>).</summary>
internal static partial class OutputSchemas
{
    public static JsonObject Balance() => Output(
        ("account", Str), ("balance", Int), ("allowance_balance", Int), ("purchased_balance", Int), ("held_in_escrow", Int),
        ("held_in_reservations", Int), ("tier", Str), ("monthly_allowance", Int), ("used_this_month", Int), ("remaining_this_month", Int),
        ("month_start", Str), ("next_reset", Str), ("creator_royalty_pct", Int), ("balance_eur", Str));

    public static JsonObject Tier() => Output(("tier", Str), ("monthly_allowance", Int), ("price_eur_per_month", Str), ("creator_royalty_pct", Int));

    public static JsonObject Operations() =>
        Output(("operations", Arr), ("default_price", Int), ("token_value_eur", Str))
            .With("operations", Output(("operation", Str), ("price", Int), ("category", Str)));

    public static JsonObject Quote() => Output(
        ("operation", Str), ("base_price", Int), ("unit_price", Int), ("cached", Bool), ("cache_discount_pct", Int), ("quantity", Int),
        ("batch_discount_pct", Int), ("total_price", Int), ("total_eur", Str), ("priced_by", Str), ("balance", Int), ("affordable", Bool));

    public static JsonObject Charge() => Output(
        ("transaction_id", Str), ("operation", Str), ("base_price", Int), ("unit_price", Int), ("cached", Bool), ("quantity", Int),
        ("batch_discount_pct", Int), ("charged", Int), ("charged_eur", Str), ("creator_id", StrOrNull), ("creator_share", Int),
        ("platform_share", Int), ("balance_after", Int), ("priced_by", Str), ("timestamp", Str), ("replayed", Bool), ("receipt", StrOrNull));

    public static JsonObject Spend() => Output(
        ("transaction_id", Str), ("operation", Str), ("charged", Int), ("balance_after", Int), ("timestamp", Str), ("replayed", Bool), ("receipt", StrOrNull));

    public static JsonObject Transaction() => Output(
        ("id", Str), ("timestamp", Str), ("type", Str), ("kind", Str), ("operation", StrOrNull), ("amount", Int),
        ("counterparty", StrOrNull), ("balance_after", Int), ("metadata", ObjOrNull));

    public static JsonObject History() => Output(("transactions", Arr), ("next_cursor", StrOrNull)).With("transactions", Transaction());

    public static JsonObject Usage() =>
        Output(("since", Str), ("until", Str), ("used", Int), ("used_eur", Str), ("by_operation", Arr))
            .With("by_operation", Output(("operation", Str), ("count", Int), ("total_tokens", Int), ("average_per_op", Int), ("cost_eur", Str)));

    public static JsonObject Escrow() => Output(
        ("escrow_id", Str), ("amount", Int), ("job_id", Str), ("fab_id", Str), ("status", Str), ("created_at", Str),
        ("released_at", StrOrNull), ("cancelled_at", StrOrNull), ("expires_at", StrOrNull), ("metadata", ObjOrNull));

    public static JsonObject EscrowResult() => Output(
        ("escrow_id", Str), ("amount", Int), ("job_id", Str), ("fab_id", Str), ("status", Str), ("created_at", Str),
        ("released_at", StrOrNull), ("cancelled_at", StrOrNull), ("expires_at", StrOrNull), ("metadata", ObjOrNull),
        ("balance_after", Int), ("replayed", Bool), ("receipt", StrOrNull));

    public static JsonObject Escrows() => Output(("escrows", Arr)).With("escrows", Escrow());

    public static JsonObject TierWithList() =>
        Output(("tier", Str), ("monthly_allowance", Int), ("price_eur_per_month", Str), ("creator_royalty_pct", Int), ("tiers", Arr))
            .With("tiers", Tier());

    public static JsonObject Purchase() => Output(
        ("purchase_id", Str), ("tokens", Int), ("amount_eur", Str), ("method", Str), ("status", Str), ("checkout_url", StrOrNull),
        ("currency", StrOrNull), ("created_at", Str), ("completed_at", StrOrNull));

    public static JsonObject PurchaseResult() => Output(
        ("purchase_id", Str), ("tokens", Int), ("amount_eur", Str), ("method", Str), ("status", Str), ("checkout_url", StrOrNull),
        ("currency", StrOrNull), ("created_at", Str), ("completed_at", StrOrNull), ("balance_after", Int), ("replayed", Bool), ("receipt", StrOrNull));

    public static JsonObject ExportText() => Output(("format", Str), ("content", Str), ("rows", Int));

    public static JsonObject AccountData() =>
        Output(
            ("account", Str), ("balance", Int), ("allowance_balance", Int), ("purchased_balance", Int), ("held_in_escrow", Int),
            ("held_in_reservations", Int), ("tier", Str), ("month_start", Str), ("transactions", Arr), ("escrows", Arr), ("cached_operations", Int))
        .With("transactions", Transaction())
        .With("escrows", Escrow());

    public static JsonObject Grant() => Output(
        ("transaction_id", Str), ("account", Str), ("amount", Int), ("source", Str), ("balance_after", Int), ("replayed", Bool), ("receipt", StrOrNull));

    public static JsonObject TierChange() => Output(
        ("account", Str), ("old_tier", Str), ("tier", Str), ("monthly_allowance", Int), ("balance", Int), ("changed", Bool));

    public static JsonObject Refund() => Output(
        ("refund_transaction_id", Str), ("refunded_transaction_id", Str), ("refunded", Int), ("expired", Int), ("balance_after", Int), ("replayed", Bool), ("receipt", StrOrNull));

    public static JsonObject Accounts() =>
        Output(("accounts", Arr), ("next_cursor", StrOrNull)).With("accounts", Output(("account", Str), ("kind", Str), ("tier", StrOrNull), ("balance", Int)));

    public static JsonObject Verification() => Output(
        ("ok", Bool), ("transactions", Int), ("accounts", Int), ("postings_sum", Int), ("hash_chain_ok", Bool), ("integrity_ok", Bool), ("problems", Arr));

    public static JsonObject Budget() => Output(
        ("credential", Str), ("max_per_call", IntOrNull), ("max_per_day", IntOrNull), ("confirm_above", IntOrNull), ("day", Str),
        ("used_today", Int), ("left_today", IntOrNull), ("resets_at", Str));

    public static JsonObject LowBalance() => Output(("account", Str), ("threshold", Int), ("custom", Bool), ("tier_default", Int));

    public static JsonObject Cleared() => Output(("account", Str), ("cleared", Bool), ("cleared_tokens", Int), ("cancelled_escrows", Int), ("balance", Int));
}
