using System.Text.Json.Nodes;
using static CycleTokens.Mcp.Json.Schema;

namespace CycleTokens.Mcp.Json;

/// <summary>The output schemas of the reservation tools (matching <see cref="ResultJson.Reservation"/> and its kin).</summary>
internal static partial class OutputSchemas
{
    private static readonly (string Name, string Type)[] ReservationFields =
    [
        ("reservation_id", Str), ("operation", Str), ("quantity", Int), ("base_price", Int), ("unit_price", Int), ("cached", Bool),
        ("batch_discount_pct", Int), ("held", Int), ("held_eur", Str), ("creator_id", StrOrNull), ("priced_by", Str), ("status", Str),
        ("created_at", Str), ("expires_at", Str), ("ended_at", StrOrNull), ("settled_quantity", IntOrNull), ("charged", IntOrNull),
        ("released", IntOrNull), ("expired", IntOrNull), ("transaction_id", StrOrNull), ("metadata", ObjOrNull),
    ];

    public static JsonObject Reservation() => Output(ReservationFields);

    public static JsonObject ReservationResult() => Output([.. ReservationFields, ("balance_after", Int), ("replayed", Bool)]);

    public static JsonObject Reservations() => Output(("reservations", Arr)).With("reservations", Reservation());

    public static JsonObject Settlement() => Output(
        ("reservation_id", Str), ("status", Str), ("transaction_id", StrOrNull), ("operation", Str), ("base_price", Int), ("unit_price", Int),
        ("cached", Bool), ("quantity", Int), ("batch_discount_pct", Int), ("charged", Int), ("charged_eur", Str), ("creator_id", StrOrNull),
        ("creator_share", Int), ("platform_share", Int), ("held", Int), ("released", Int), ("expired", Int), ("balance_after", Int),
        ("priced_by", Str), ("timestamp", Str), ("replayed", Bool), ("receipt", StrOrNull));
}
