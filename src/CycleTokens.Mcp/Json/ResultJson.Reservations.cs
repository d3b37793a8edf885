using System.Text.Json.Nodes;
using CycleTokens.Core.Pricing;
using CycleTokens.Core.Reservations;

namespace CycleTokens.Mcp.Json;

/// <summary>Reservations as the contract's snake_case JSON objects.</summary>
internal static partial class ResultJson
{
    public static JsonObject Reservation(Reservation r) => new()
    {
        ["reservation_id"] = r.Id,
        ["operation"] = r.Operation,
        ["quantity"] = r.Quantity,
        ["base_price"] = r.BasePrice,
        ["unit_price"] = r.UnitPrice,
        ["cached"] = r.Cached,
        ["batch_discount_pct"] = r.BatchDiscountPct,
        ["held"] = r.Held,
        ["held_eur"] = Money.TokensToEur(r.Held),
        ["creator_id"] = r.CreatorId,
        ["priced_by"] = PricedBy(r.PricedBy),
        ["status"] = Status(r.Status),
        ["created_at"] = Wire.Time(r.CreatedAt),
        ["expires_at"] = Wire.Time(r.ExpiresAt),
        ["ended_at"] = Wire.Time(r.EndedAt),
        ["settled_quantity"] = r.SettledQuantity,
        ["charged"] = r.Charged,
        ["released"] = r.Released,
        ["expired"] = r.Expired,
        ["transaction_id"] = r.TransactionId,
        ["metadata"] = Wire.Raw(r.Metadata),
    };

    public static JsonObject ReservationResult(ReservationResult r)
    {
        var json = Reservation(r.Reservation);
        json["balance_after"] = r.BalanceAfter;
        json["replayed"] = r.Replayed;
        return json;
    }

    /// <summary>The charge a settle made, as charge_for_operation reports one, with what the reservation held and returned.</summary>
    /// <remarks>A settle of quantity 0 made no charge: transaction_id is null and every amount charged is 0.</remarks>
    public static JsonObject Settlement(SettlementResult s)
    {
        var r = s.Reservation;
        var c = s.Charge;
        return new JsonObject
        {
            ["reservation_id"] = r.Id,
            ["status"] = Status(r.Status),
            ["transaction_id"] = c?.TransactionId,
            ["operation"] = r.Operation,
            ["base_price"] = r.BasePrice,
            ["unit_price"] = r.UnitPrice,
            ["cached"] = r.Cached,
            ["quantity"] = c?.Quantity ?? 0,
            ["batch_discount_pct"] = c?.BatchDiscountPct ?? 0,
            ["charged"] = c?.Charged ?? 0,
            ["charged_eur"] = Money.TokensToEur(c?.Charged ?? 0),
            ["creator_id"] = r.CreatorId,
            ["creator_share"] = c?.CreatorShare ?? 0,
            ["platform_share"] = c?.PlatformShare ?? 0,
            ["held"] = r.Held,
            ["released"] = r.Released ?? 0,
            ["expired"] = r.Expired ?? 0,
            ["balance_after"] = s.BalanceAfter,
            ["priced_by"] = PricedBy(r.PricedBy),
            ["timestamp"] = Wire.Time(r.EndedAt ?? r.CreatedAt),
            ["replayed"] = s.Replayed,
            ["receipt"] = c?.Receipt,
        };
    }

    public static string Status(ReservationStatus status) => status.ToString().ToLowerInvariant();
}
