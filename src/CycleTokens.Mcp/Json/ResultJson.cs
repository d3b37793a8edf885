using System.Text.Json.Nodes;
using CycleTokens.Core.Accounts;
using CycleTokens.Core.Admin;
using CycleTokens.Core.Budgets;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.History;
using CycleTokens.Core.Pricing;
using CycleTokens.Core.Purchases;
using CycleTokens.Core.Verification;

namespace CycleTokens.Mcp.Json;

/// <summary>The engine's records as the contract's snake_case JSON objects.</summary>
internal static partial class ResultJson
{
    public static JsonObject Balance(Balance b) => new()
    {
        ["account"] = b.Account,
        ["balance"] = b.Total,
        ["allowance_balance"] = b.Allowance,
        ["purchased_balance"] = b.Purchased,
        ["held_in_escrow"] = b.HeldInEscrow,
        ["held_in_reservations"] = b.HeldInReservations,
        ["tier"] = b.Tier.Name,
        ["monthly_allowance"] = b.Tier.TokensPerMonth,
        ["used_this_month"] = b.UsedThisMonth,
        ["remaining_this_month"] = b.RemainingThisMonth,
        ["month_start"] = Wire.Time(b.MonthStart),
        ["next_reset"] = Wire.Time(b.NextReset),
        ["creator_royalty_pct"] = b.Tier.CreatorRoyaltyPct,
        ["balance_eur"] = Money.TokensToEur(b.Total),
    };

    public static JsonObject Tier(TierInfo t) => new()
    {
        ["tier"] = t.Name,
        ["monthly_allowance"] = t.TokensPerMonth,
        ["price_eur_per_month"] = t.PriceEurPerMonth,
        ["creator_royalty_pct"] = t.CreatorRoyaltyPct,
    };

    public static JsonObject Quote(PriceQuote q) => new()
    {
        ["operation"] = q.Operation,
        ["base_price"] = q.BasePrice,
        ["unit_price"] = q.UnitPrice,
        ["cached"] = q.Cached,
        ["cache_discount_pct"] = q.CacheDiscountPct,
        ["quantity"] = q.Quantity,
        ["batch_discount_pct"] = q.BatchDiscountPct,
        ["total_price"] = q.TotalPrice,
        ["total_eur"] = q.TotalEur,
        ["priced_by"] = PricedBy(q.PricedBy),
        ["balance"] = q.Balance,
        ["affordable"] = q.Affordable,
    };

    public static JsonObject Charge(ChargeResult c) => new()
    {
        ["transaction_id"] = c.TransactionId,
        ["operation"] = c.Operation,
        ["base_price"] = c.BasePrice,
        ["unit_price"] = c.UnitPrice,
        ["cached"] = c.Cached,
        ["quantity"] = c.Quantity,
        ["batch_discount_pct"] = c.BatchDiscountPct,
        ["charged"] = c.Charged,
        ["charged_eur"] = Money.TokensToEur(c.Charged),
        ["creator_id"] = c.CreatorId,
        ["creator_share"] = c.CreatorShare,
        ["platform_share"] = c.PlatformShare,
        ["balance_after"] = c.BalanceAfter,
        ["priced_by"] = PricedBy(c.PricedBy),
        ["timestamp"] = Wire.Time(c.Timestamp),
        ["replayed"] = c.Replayed,
        ["receipt"] = c.Receipt,
    };

    public static JsonObject Budget(BudgetStatus b) => new()
    {
        ["credential"] = b.Credential,
        ["max_per_call"] = b.MaxPerCall,
        ["max_per_day"] = b.MaxPerDay,
        ["confirm_above"] = b.ConfirmAbove,
        ["day"] = b.Day.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        ["used_today"] = b.UsedToday,
        ["left_today"] = b.LeftToday,
        ["resets_at"] = Wire.Time(b.ResetsAt),
    };

    public static JsonObject LowBalance(LowBalanceSetting l) => new()
    {
        ["account"] = l.Account,
        ["threshold"] = l.Threshold,
        ["custom"] = l.Custom,
        ["tier_default"] = l.TierDefault,
    };

    public static JsonObject Spend(SpendResult s) => new()
    {
        ["transaction_id"] = s.TransactionId,
        ["operation"] = s.Operation,
        ["charged"] = s.Charged,
        ["balance_after"] = s.BalanceAfter,
        ["timestamp"] = Wire.Time(s.Timestamp),
        ["replayed"] = s.Replayed,
        ["receipt"] = s.Receipt,
    };

    public static JsonObject Transaction(TransactionRecord t) => new()
    {
        ["id"] = t.Id,
        ["timestamp"] = Wire.Time(t.Timestamp),
        ["type"] = t.Type.ToWireName(),
        ["kind"] = t.Kind.ToWireName(),
        ["operation"] = t.Operation,
        ["amount"] = t.Amount,
        ["counterparty"] = t.Counterparty,
        ["balance_after"] = t.BalanceAfter,
        ["metadata"] = Wire.Raw(t.Metadata),
    };

    public static JsonObject Usage(UsageReport u) => new()
    {
        ["since"] = Wire.Time(u.Since),
        ["until"] = Wire.Time(u.Until),
        ["used"] = u.Used,
        ["used_eur"] = u.UsedEur,
        ["by_operation"] = Wire.Array(u.ByOperation, o => new JsonObject
        {
            ["operation"] = o.Operation,
            ["count"] = o.Count,
            ["total_tokens"] = o.TotalTokens,
            ["average_per_op"] = o.AveragePerOp,
            ["cost_eur"] = o.CostEur,
        }),
    };

    public static JsonObject Escrow(Escrow e) => new()
    {
        ["escrow_id"] = e.Id,
        ["amount"] = e.Amount,
        ["job_id"] = e.JobId,
        ["fab_id"] = e.FabId,
        ["status"] = e.Status.ToString().ToLowerInvariant(),
        ["created_at"] = Wire.Time(e.CreatedAt),
        ["released_at"] = Wire.Time(e.ReleasedAt),
        ["cancelled_at"] = Wire.Time(e.CancelledAt),
        ["expires_at"] = Wire.Time(e.ExpiresAt),
        ["metadata"] = Wire.Raw(e.Metadata),
    };

    public static JsonObject EscrowResult(EscrowResult r)
    {
        var json = Escrow(r.Escrow);
        json["balance_after"] = r.BalanceAfter;
        json["replayed"] = r.Replayed;
        json["receipt"] = r.Receipt;
        return json;
    }

    public static JsonObject Purchase(Purchase p) => new()
    {
        ["purchase_id"] = p.Id,
        ["tokens"] = p.Tokens,
        ["amount_eur"] = p.AmountEur,
        ["method"] = p.Method,
        ["status"] = p.Status.ToString().ToLowerInvariant(),
        ["checkout_url"] = p.CheckoutUrl,
        ["currency"] = p.Currency,
        ["created_at"] = Wire.Time(p.CreatedAt),
        ["completed_at"] = Wire.Time(p.CompletedAt),
    };

    public static JsonObject PurchaseResult(PurchaseResult r)
    {
        var json = Purchase(r.Purchase);
        json["balance_after"] = r.BalanceAfter;
        json["replayed"] = r.Replayed;
        json["receipt"] = r.Receipt;
        return json;
    }

    public static JsonObject Grant(GrantResult g) => new()
    {
        ["transaction_id"] = g.TransactionId,
        ["account"] = g.Account,
        ["amount"] = g.Amount,
        ["source"] = g.Source,
        ["balance_after"] = g.BalanceAfter,
        ["replayed"] = g.Replayed,
        ["receipt"] = g.Receipt,
    };

    public static JsonObject TierChange(TierChange c) => new()
    {
        ["account"] = c.Account,
        ["old_tier"] = c.OldTier.ToWireName(),
        ["tier"] = c.NewTier.Name,
        ["monthly_allowance"] = c.NewTier.TokensPerMonth,
        ["balance"] = c.Balance,
        ["changed"] = c.Changed,
    };

    public static JsonObject Refund(RefundResult r) => new()
    {
        ["refund_transaction_id"] = r.RefundTransactionId,
        ["refunded_transaction_id"] = r.RefundedTransactionId,
        ["refunded"] = r.Refunded,
        ["expired"] = r.Expired,
        ["balance_after"] = r.BalanceAfter,
        ["replayed"] = r.Replayed,
        ["receipt"] = r.Receipt,
    };

    public static JsonObject Verification(VerificationReport v) => new()
    {
        ["ok"] = v.Ok,
        ["transactions"] = v.Transactions,
        ["accounts"] = v.Accounts,
        ["postings_sum"] = v.PostingsSum,
        ["hash_chain_ok"] = v.HashChainOk,
        ["integrity_ok"] = v.IntegrityOk,
        ["problems"] = Wire.Array(v.Problems, p => JsonValue.Create(p)),
    };

    public static JsonObject Account(AccountSummary a) => new()
    {
        ["account"] = a.Account,
        ["kind"] = a.Kind.ToString().ToLowerInvariant(),
        ["tier"] = a.Tier?.ToWireName(),
        ["balance"] = a.Balance,
    };

    public static JsonObject Export(AccountExport e) => new()
    {
        ["account"] = e.Balance.Account,
        ["balance"] = e.Balance.Total,
        ["allowance_balance"] = e.Balance.Allowance,
        ["purchased_balance"] = e.Balance.Purchased,
        ["held_in_escrow"] = e.Balance.HeldInEscrow,
        ["held_in_reservations"] = e.Balance.HeldInReservations,
        ["tier"] = e.Balance.Tier.Name,
        ["month_start"] = Wire.Time(e.Balance.MonthStart),
        ["transactions"] = Wire.Array(e.Transactions, Transaction),
        ["escrows"] = Wire.Array(e.Escrows, Escrow),
        ["cached_operations"] = e.CachedOperations,
    };

    public static string PricedBy(PricedBy p) => p == Core.Pricing.PricedBy.Default ? "default" : "catalogue";
}
