using System.Text.Json.Nodes;
using CycleTokens.Core.Reservations;
using CycleTokens.Mcp.Json;
using static CycleTokens.Mcp.Tools.ParameterSpec;

namespace CycleTokens.Mcp.Tools;

internal static partial class AgentTools
{
    private const string ReservationIdText = "The reservation id returned by reserve_operation.";

    private static IEnumerable<ToolDefinition> ReservationTools() =>
    [
        new("reserve_operation", "Reserve an operation",
            "Before an operation that may run long or fail: prices it exactly as charge_for_operation would now (cache and batch discounts) and holds that total from this account (100 tokens = EUR 1.00). Then settle_reservation charges what ran and returns the rest, or void_reservation returns it all; a hold neither settled nor voided returns by itself at expires_at. Fails without holding if the balance is short.",
            [
                .. PricedOperation,
                Text("creator_id", "Optional id of the creator who earns the royalty when settled (1-64 characters of A-Z a-z 0-9 . _ : @ -)."),
                Whole("expires_in_seconds", "Optional: seconds until the hold returns by itself if neither settled nor voided, 30-86400 (default 900, 15 minutes).", 30, 86_400),
                Obj("metadata", "Optional JSON object (at most 4 KiB) stored with the hold and, unless the settle gives its own, with the charge."),
                Text("idempotency_key", KeyText),
            ],
            OutputSchemas.ReservationResult(), ToolHints.Write,
            async c => ResultJson.ReservationResult(await c.Ledger.ReserveAsync(
                c.Account,
                new ReservationRequest(c.Args.String("operation")!)
                {
                    Params = c.Args.Object("params"),
                    Quantity = c.Args.Int("quantity") ?? 1,
                    CreatorId = c.Args.String("creator_id"),
                    ExpiresInSeconds = c.Args.Int("expires_in_seconds"),
                    Metadata = c.Args.Object("metadata"),
                    IdempotencyKey = c.Args.String("idempotency_key"),
                },
                c.Spender,
                c.CancellationToken))),

        new("settle_reservation", "Settle a reservation",
            "The operation ran: charges for the units that ran (default all reserved; 0 settles as a void) at the reserved unit price with the batch discount of that quantity, never more than was held, as one ordinary charge, and returns the rest of the hold (an allowance part from an ended month expires instead). Final.",
            [
                Text("reservation_id", ReservationIdText, required: true),
                Whole("quantity", "Optional: units that ran, 0 to the reserved quantity (default all reserved; 0 returns the whole hold).", 0, 1_000_000),
                Obj("metadata", "Optional JSON object (at most 4 KiB) stored with the charge instead of the reservation's."),
                Text("idempotency_key", KeyText),
            ],
            OutputSchemas.Settlement(), new ToolHints(ReadOnly: false, Destructive: true, Idempotent: false),
            async c => ResultJson.Settlement(await c.Ledger.SettleReservationAsync(
                c.Account, c.Args.String("reservation_id")!, c.Args.Int("quantity"), c.Args.Object("metadata"), c.Args.String("idempotency_key"), c.CancellationToken))),

        new("void_reservation", "Void a reservation",
            "The operation did not run or failed: the whole hold returns to this account (an allowance part from an ended month expires instead). Final.",
            [Text("reservation_id", ReservationIdText, required: true), Text("idempotency_key", KeyText)],
            OutputSchemas.ReservationResult(), ToolHints.Write,
            async c => ResultJson.ReservationResult(await c.Ledger.VoidReservationAsync(c.Account, c.Args.String("reservation_id")!, c.Args.String("idempotency_key"), c.CancellationToken))),

        new("get_reservation", "Get a reservation",
            "Returns one of this account's reservations: its fixed price, what it holds, and how it ended.",
            [Text("reservation_id", ReservationIdText, required: true)],
            OutputSchemas.Reservation(), ToolHints.Read,
            async c => ResultJson.Reservation(await c.Ledger.GetReservationAsync(c.Account, c.Args.String("reservation_id")!, c.Missing, c.CancellationToken))),

        new("list_reservations", "List reservations",
            "Lists this account's reservations, oldest first, optionally of one status.",
            [Text("status", "Optional status filter.", false, "held", "settled", "voided", "expired")],
            OutputSchemas.Reservations(), ToolHints.Read,
            async c =>
            {
                ReservationStatus? status = c.Args.String("status") is { } s ? Enum.Parse<ReservationStatus>(s, ignoreCase: true) : null;
                var list = await c.Ledger.ListReservationsAsync(c.Account, status, c.Missing, c.CancellationToken);
                return new JsonObject { ["reservations"] = Wire.Array(list, ResultJson.Reservation) };
            }),
    ];
}
