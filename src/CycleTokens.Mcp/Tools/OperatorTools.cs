using System.Text.Json.Nodes;
using CycleTokens.Core.Accounts;
using CycleTokens.Mcp.Json;
using static CycleTokens.Mcp.Tools.ParameterSpec;

namespace CycleTokens.Mcp.Tools;

/// <summary>The operator tools: listed and callable only when the server runs with --operator.</summary>
internal static class OperatorTools
{
    private const string AccountText = "The user account, 1-64 characters of A-Z a-z 0-9 . _ : @ -.";

    public static IReadOnlyList<ToolDefinition> All() =>
    [
        new("grant_tokens", "Grant tokens",
            "Credits tokens to a user's purchased part (never expire) from system:grants.",
            [
                Text("account", AccountText, required: true),
                Whole("amount", "Tokens to grant, 1-1000000000000.", 1, 1_000_000_000_000, required: true),
                Text("source", "Optional label of the grant (default grant), 1-100 characters of a-z 0-9 _ . -."),
                Obj("metadata", "Optional JSON object (at most 4 KiB) stored with the transaction."),
                Text("idempotency_key", "Optional retry key, 1-255 characters."),
            ],
            OutputSchemas.Grant(), ToolHints.Write,
            async c => ResultJson.Grant(await c.Ledger.GrantAsync(c.Account, c.Args.Long("amount")!.Value, c.Args.String("source") ?? "grant", c.Args.Object("metadata"), c.Args.String("idempotency_key"), c.CancellationToken)))
        { OperatorOnly = true },

        new("set_tier", "Set tier",
            "Sets a user's tier: the current allowance expires and the new tier's full monthly allowance is granted; purchased tokens are untouched. Setting the same tier again changes nothing.",
            [Text("account", AccountText, required: true), Text("tier", "The new tier.", true, "FREE", "PRO", "ENTERPRISE")],
            OutputSchemas.TierChange(), new ToolHints(ReadOnly: false, Destructive: true, Idempotent: true),
            async c => ResultJson.TierChange(await c.Ledger.SetTierAsync(c.Account, TierNames.Parse(c.Args.String("tier")), c.CancellationToken)))
        { OperatorOnly = true },

        new("get_low_balance_threshold", "Low-balance threshold",
            "A user's low-balance threshold: below it, a debit raises the low-balance event (once per crossing). custom says whether it is the account's own or the tier's default (10% of the monthly allowance).",
            [Text("account", AccountText, required: true)],
            OutputSchemas.LowBalance(), ToolHints.Read,
            async c => ResultJson.LowBalance(await c.Ledger.GetLowBalanceAsync(c.Account, c.CancellationToken)))
        { OperatorOnly = true },

        new("set_low_balance_threshold", "Set the low-balance threshold",
            "Sets a user's own low-balance threshold; omit threshold to go back to the tier's default (10% of the monthly allowance). The next debit that takes the balance below it raises the low-balance event. Setting the same value again changes nothing.",
            [Text("account", AccountText, required: true), Whole("threshold", "Tokens, 0-1000000000000; omitted: the tier's default.", 0, 1_000_000_000_000)],
            OutputSchemas.LowBalance(), new ToolHints(ReadOnly: false, Destructive: false, Idempotent: true),
            async c => ResultJson.LowBalance(await c.Ledger.SetLowBalanceThresholdAsync(c.Account, c.Args.Long("threshold"), c.CancellationToken)))
        { OperatorOnly = true },

        new("complete_purchase", "Complete a purchase",
            "Marks a pending purchase paid and credits its tokens to the buyer's purchased part, exactly once; completing again credits nothing.",
            [Text("purchase_id", "The purchase id.", required: true)],
            OutputSchemas.PurchaseResult(), new ToolHints(ReadOnly: false, Destructive: false, Idempotent: true),
            async c => ResultJson.PurchaseResult(await c.Ledger.CompletePurchaseAsync(c.Args.String("purchase_id")!, c.CancellationToken)))
        { OperatorOnly = true },

        new("refund_transaction", "Refund a charge",
            "Reverses a charge or spend into the parts it drew from (an allowance part from an ended month expires instead). A transaction is refunded at most once.",
            [
                Text("transaction_id", "The charge or spend to refund.", required: true),
                Text("reason", "Why, 1-500 characters.", required: true),
                Text("idempotency_key", "Optional retry key, 1-255 characters."),
            ],
            OutputSchemas.Refund(), ToolHints.Write,
            async c => ResultJson.Refund(await c.Ledger.RefundAsync(c.Args.String("transaction_id")!, c.Args.String("reason")!, c.Args.String("idempotency_key"), c.CancellationToken)))
        { OperatorOnly = true },

        new("list_accounts", "List accounts",
            "Lists accounts by id with kind, tier and balance (system accounts carry the negative side of issuance).",
            [
                Text("kind", "Optional kind filter.", false, "user", "creator", "fab", "platform", "system", "escrow", "hold"),
                Whole("limit", "Page size, 1-1000 (default 100).", 1, 1000),
                Text("cursor", "Optional next_cursor from a previous page."),
            ],
            OutputSchemas.Accounts(), ToolHints.Read,
            async c =>
            {
                AccountKind? kind = c.Args.String("kind") is { } k ? Enum.Parse<AccountKind>(k, ignoreCase: true) : null;
                var page = await c.Ledger.ListAccountsAsync(kind, c.Args.Int("limit") ?? 100, c.Args.String("cursor"), c.CancellationToken);
                return new JsonObject { ["accounts"] = Wire.Array(page.Accounts, ResultJson.Account), ["next_cursor"] = page.NextCursor };
            })
        { OperatorOnly = true },

        new("verify_ledger", "Verify the ledger",
            "Recomputes the hash chain and every balance from the postings and lists each problem found.",
            [], OutputSchemas.Verification(), ToolHints.Read,
            async c => ResultJson.Verification(await c.Ledger.VerifyAsync(c.CancellationToken)))
        { OperatorOnly = true },

        new("clear_account_data", "Clear account data",
            "Resets a user as if new: held escrows are cancelled, the balance moves to system:cleared, tier FREE with a fresh allowance, history starts after the clear. The journal keeps everything.",
            [Text("account", AccountText, required: true), Text("confirm", "Must be exactly \"clear <account>\".", required: true)],
            OutputSchemas.Cleared(), new ToolHints(ReadOnly: false, Destructive: true, Idempotent: true),
            async c =>
            {
                var result = await c.Ledger.ClearAccountAsync(c.Account, c.Args.String("confirm")!, c.CancellationToken);
                return new JsonObject
                {
                    ["account"] = result.Account,
                    ["cleared"] = true,
                    ["cleared_tokens"] = result.ClearedTokens,
                    ["cancelled_escrows"] = result.CancelledEscrows,
                    ["balance"] = result.BalanceAfter,
                };
            })
        { OperatorOnly = true },
    ];
}
