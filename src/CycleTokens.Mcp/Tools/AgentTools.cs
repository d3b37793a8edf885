using System.Text.Json.Nodes;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.History;
using CycleTokens.Mcp.Json;
using static CycleTokens.Mcp.Tools.ParameterSpec;

namespace CycleTokens.Mcp.Tools;

/// <summary>The agent tools: always present, acting for the bound account.</summary>
internal static partial class AgentTools
{
    private const string KeyText = "Optional retry key (1-255 characters), unique per intended action: a retry with the same key and arguments returns the first result with replayed=true and is never charged twice.";
    private const string MetadataText = "Optional JSON object (at most 4 KiB) stored with the transaction and returned in history.";

    // Estimate and charge take the same operation arguments, so an estimate always prices exactly what a charge would.
    private static readonly ParameterSpec[] PricedOperation =
    [
        Text("operation", "Operation name, 1-100 characters of a-z 0-9 _ . - (e.g. model.export.step).", required: true),
        Obj("params", "Optional JSON object of the operation's parameters (at most 4 KiB, 16 levels). A repeat with the same params within 24 hours pays 10% of the price."),
        Whole("quantity", "Number of operations covered, 1-1000000 (default 1). 10 or more: 25% off; 100 or more: 50% off.", 1, 1_000_000),
    ];

    public static IReadOnlyList<ToolDefinition> All() =>
    [
        new("get_balance", "Get balance",
            "Returns the token balance of this account: total (100 tokens = EUR 1.00), its allowance part (this month's tier tokens, expire at month end) and purchased part (never expire), tokens held in escrow, tier, this month's usage and the next reset.",
            [], OutputSchemas.Balance(), ToolHints.Read,
            async c => ResultJson.Balance(await c.Ledger.GetBalanceAsync(c.Account, c.Missing, c.CancellationToken))),

        new("list_operations", "List priced operations",
            "Lists the catalogue of CAD operations with their price in tokens (100 tokens = EUR 1.00). Unknown operation names are priced at the default price.",
            [Text("category", "Optional category or name prefix such as model, ai, cam, fab, analysis, collab, marketplace.")],
            OutputSchemas.Operations(), ToolHints.Read,
            c => Task.FromResult(new JsonObject
            {
                ["operations"] = Wire.Array(c.Ledger.ListOperations(c.Args.String("category")), o => new JsonObject { ["operation"] = o.Operation, ["price"] = o.Price, ["category"] = o.Category }),
                ["default_price"] = c.Ledger.Catalog.DefaultPrice,
                ["token_value_eur"] = "0.01",
            })),

        new("estimate_operation", "Estimate an operation",
            "Returns exactly what charge_for_operation would cost now with the same arguments (cache and batch discounts included) and whether the balance covers it. Changes nothing.",
            [
                .. PricedOperation,
            ],
            OutputSchemas.Quote(), ToolHints.Read,
            async c => ResultJson.Quote(await c.Ledger.EstimateAsync(c.Account, c.Args.String("operation")!, c.Args.Object("params"), c.Args.Int("quantity") ?? 1, c.Missing, c.CancellationToken))),

        new("charge_for_operation", "Charge for an operation",
            "Charges this account for a catalogue operation in tokens (100 tokens = EUR 1.00): the price after cache and batch discounts is debited, the creator (if named) earns the tier's royalty and the platform the rest. Fails without charging if the balance is short.",
            [
                .. PricedOperation,
                Text("creator_id", "Optional id of the creator who earns the royalty (1-64 characters of A-Z a-z 0-9 . _ : @ -)."),
                Obj("metadata", MetadataText),
                Text("idempotency_key", KeyText),
            ],
            OutputSchemas.Charge(), new ToolHints(ReadOnly: false, Destructive: false, Idempotent: true),
            async c => ResultJson.Charge(await c.Ledger.ChargeAsync(
                c.Account,
                new ChargeRequest(c.Args.String("operation")!)
                {
                    Params = c.Args.Object("params"),
                    Quantity = c.Args.Int("quantity") ?? 1,
                    CreatorId = c.Args.String("creator_id"),
                    Metadata = c.Args.Object("metadata"),
                    IdempotencyKey = c.Args.String("idempotency_key"),
                },
                c.Spender,
                c.CancellationToken))),

        new("spend_tokens", "Spend tokens",
            "Debits a given number of tokens (100 tokens = EUR 1.00) from this account for a named operation, without a catalogue price. Fails without charging if the balance is short.",
            [
                Whole("amount", "Tokens to spend, a whole number from 1 to 1000000000000.", 1, 1_000_000_000_000, required: true),
                Text("operation", "Operation name, 1-100 characters of a-z 0-9 _ . -.", required: true),
                Obj("metadata", MetadataText),
                Text("idempotency_key", KeyText),
            ],
            OutputSchemas.Spend(), ToolHints.Write,
            async c => ResultJson.Spend(await c.Ledger.SpendAsync(c.Account, c.Args.Long("amount")!.Value, c.Args.String("operation")!, c.Args.Object("metadata"), c.Args.String("idempotency_key"), c.Spender, c.CancellationToken))),

        new("get_transaction_history", "Get transaction history",
            "Lists this account's transactions, newest first, with optional filters; amounts are positive token counts and type gives the direction. Use next_cursor to page.",
            [
                Text("type", "Optional direction filter.", false, "debit", "credit", "escrow_hold", "escrow_release", "escrow_cancel", "reservation_hold", "reservation_release"),
                Text("kind", "Optional cause filter.", false, "charge", "spend", "grant", "purchase", "allowance", "expiry", "refund", "escrow", "clear", "reservation"),
                Text("operation", "Optional operation name filter."),
                Date("after", "Optional ISO 8601 date-time: only transactions at or after it."),
                Date("before", "Optional ISO 8601 date-time: only transactions before it."),
                Whole("min_amount", "Optional minimum amount in tokens, 0-1000000000000.", 0, 1_000_000_000_000),
                Whole("limit", "Page size, 1-1000 (default 100).", 1, 1000),
                Text("cursor", "Optional next_cursor from a previous page."),
            ],
            OutputSchemas.History(), ToolHints.Read,
            async c =>
            {
                var page = await c.Ledger.GetHistoryAsync(c.Account, History(c.Args), c.Missing, c.CancellationToken);
                return new JsonObject { ["transactions"] = Wire.Array(page.Transactions, ResultJson.Transaction), ["next_cursor"] = page.NextCursor };
            }),

        new("get_usage", "Get usage",
            "Returns tokens used by charges and spends (net of refunds) in a period, default the current month, in total and per operation with counts, averages and euro cost.",
            [Date("since", "Optional ISO 8601 start (inclusive); default the start of the current month."), Date("until", "Optional ISO 8601 end (exclusive); default the start of next month.")],
            OutputSchemas.Usage(), ToolHints.Read,
            async c => ResultJson.Usage(await c.Ledger.GetUsageAsync(c.Account, c.Args.Date("since"), c.Args.Date("until"), c.Missing, c.CancellationToken))),
        .. EscrowTools(),
        .. ReservationTools(),
        .. AccountTools(),
        .. BudgetTools(),
    ];

    private static HistoryQuery History(ToolArguments a) => new()
    {
        Type = a.String("type") is { } type ? WireNames.ParseType(type) : null,
        Kind = a.String("kind") is { } kind ? WireNames.ParseKind(kind) : null,
        Operation = a.String("operation"),
        After = a.Date("after"),
        Before = a.Date("before"),
        MinAmount = a.Long("min_amount"),
        Limit = a.Int("limit") ?? 100,
        Cursor = a.String("cursor"),
    };

    private static IEnumerable<ToolDefinition> EscrowTools() =>
    [
        new("create_escrow", "Hold tokens in escrow",
            "Holds tokens (100 tokens = EUR 1.00) from this account in escrow for a manufacturing job at a fab shop; release pays the fab, cancel returns them. Fails without holding if the balance is short.",
            [
                Whole("amount", "Tokens to hold, a whole number from 1 to 1000000000000.", 1, 1_000_000_000_000, required: true),
                Text("job_id", "The job, 1-200 characters without control characters.", required: true),
                Text("fab_id", "The fab shop paid on release, 1-64 characters of A-Z a-z 0-9 . _ : @ -.", required: true),
                Obj("metadata", MetadataText),
                Whole("expires_in_hours", "Optional: cancel automatically after this many hours, 1-8760.", 1, 8760),
                Text("idempotency_key", KeyText),
            ],
            OutputSchemas.EscrowResult(), ToolHints.Write,
            async c => ResultJson.EscrowResult(await c.Ledger.CreateEscrowAsync(
                c.Account,
                new EscrowRequest(c.Args.Long("amount")!.Value, c.Args.String("job_id")!, c.Args.String("fab_id")!)
                {
                    Metadata = c.Args.Object("metadata"),
                    ExpiresInHours = c.Args.Int("expires_in_hours"),
                    IdempotencyKey = c.Args.String("idempotency_key"),
                },
                c.Spender,
                c.CancellationToken))),

        new("get_escrow", "Get an escrow",
            "Returns one of this account's escrows.",
            [Text("escrow_id", "The escrow id returned by create_escrow.", required: true)],
            OutputSchemas.Escrow(), ToolHints.Read,
            async c => ResultJson.Escrow(await c.Ledger.GetEscrowAsync(c.Account, c.Args.String("escrow_id")!, c.Missing, c.CancellationToken))),

        new("list_escrows", "List escrows",
            "Lists this account's escrows, oldest first, optionally of one status.",
            [Text("status", "Optional status filter.", false, "held", "released", "cancelled")],
            OutputSchemas.Escrows(), ToolHints.Read,
            async c =>
            {
                EscrowStatus? status = c.Args.String("status") is { } s ? Enum.Parse<EscrowStatus>(s, ignoreCase: true) : null;
                var list = await c.Ledger.ListEscrowsAsync(c.Account, status, c.Missing, c.CancellationToken);
                return new JsonObject { ["escrows"] = Wire.Array(list, ResultJson.Escrow) };
            }),

        new("release_escrow", "Release an escrow",
            "Releases a held escrow: the fab shop is paid the held tokens. Final: a released escrow cannot be cancelled.",
            [Text("escrow_id", "The escrow id returned by create_escrow.", required: true), Text("idempotency_key", KeyText)],
            OutputSchemas.EscrowResult(), new ToolHints(ReadOnly: false, Destructive: true, Idempotent: false),
            async c => ResultJson.EscrowResult(await c.Ledger.ReleaseEscrowAsync(c.Account, c.Args.String("escrow_id")!, c.Args.String("idempotency_key"), c.CancellationToken))),

        new("cancel_escrow", "Cancel an escrow",
            "Cancels a held escrow: the tokens return to this account (an allowance part from an ended month expires instead).",
            [Text("escrow_id", "The escrow id returned by create_escrow.", required: true), Text("idempotency_key", KeyText)],
            OutputSchemas.EscrowResult(), ToolHints.Write,
            async c => ResultJson.EscrowResult(await c.Ledger.CancelEscrowAsync(c.Account, c.Args.String("escrow_id")!, c.Args.String("idempotency_key"), c.CancellationToken))),
    ];
}
