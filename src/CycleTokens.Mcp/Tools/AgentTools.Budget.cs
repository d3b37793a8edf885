using CycleTokens.Mcp.Json;

namespace CycleTokens.Mcp.Tools;

internal static partial class AgentTools
{
    private static IEnumerable<ToolDefinition> BudgetTools() =>
    [
        new("get_budget", "Get spend budget",
            "Returns this session's spend limits in tokens (100 tokens = EUR 1.00) and what is left today (UTC): max_per_call (largest single debit), max_per_day (most per UTC day, counting charges, spends and escrow holds; cancelled holds count back), confirm_above (larger debits ask the user first), used_today, left_today. Null means no limit. Limits belong to the credential, not the account.",
            [], OutputSchemas.Budget(), ToolHints.Read,
            async c => ResultJson.Budget(await c.Ledger.GetBudgetAsync(c.Spender, c.CancellationToken))),
    ];
}
