using System.Text.Json;
using CycleTokens.Core;
using CycleTokens.Mcp.Hosting;
using CycleTokens.Mcp.Json;
using CycleTokens.Mcp.Resources;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CycleTokens.Mcp.Prompts;

/// <summary>The contract's prompts: a cost report of this month, and estimating a task's operations before charging.</summary>
internal sealed class PromptCatalog(TokenLedger ledger, Callers callers, EventForwarder forwarder)
{
    public static IReadOnlyList<Prompt> All { get; } =
    [
        new() { Name = "cost_report", Title = "Cost report", Description = "Summarise this month's token use, with the usage and balance embedded." },
        new()
        {
            Name = "estimate_before_running",
            Title = "Estimate before running",
            Description = "List the catalogue operations a task needs and estimate each before charging.",
            Arguments = [new PromptArgument { Name = "task", Description = "The task you are about to carry out, in plain words (1-2000 characters).", Required = true }],
        },
    ];

    public async ValueTask<GetPromptResult> GetAsync(RequestContext<GetPromptRequestParams> context, CancellationToken cancellationToken)
    {
        // Reading the usage can create the account or turn its month: those events go out like a tool's.
        var mode = callers.Of(context);
        using var scope = EventScope.Begin();
        GetPromptResult result;
        try
        {
            mode.ThrowIfUnverified();
            result = await BuildAsync(context.Params!, mode, cancellationToken);
        }
        catch (LedgerUnavailableException unavailable)
        {
            throw new McpException(unavailable.Message, unavailable);
        }

        await forwarder.ForwardAsync(context, mode, scope.Events, cancellationToken);
        return result;
    }

    private async Task<GetPromptResult> BuildAsync(GetPromptRequestParams p, ServerMode mode, CancellationToken cancellationToken)
    {
        switch (p.Name)
        {
            case "cost_report":
                Refuse(p, []);
                var usage = ResultJson.Usage(await ledger.GetUsageAsync(mode.Account, cancellationToken: cancellationToken));
                var balance = ResultJson.Balance(await ledger.GetBalanceAsync(mode.Account, cancellationToken));
                return new GetPromptResult
                {
                    Description = "This month's token use",
                    Messages =
                    [
                        Text("Summarise my token use this month: total used (tokens and euros, 100 tokens = EUR 1.00), the operations that cost most, the average cost per operation, what is left of the monthly allowance and my balance. Suggest where cache or batch discounts would save tokens."),
                        Embedded(ResourceCatalog.UsageUri, Wire.Text(usage)),
                        Embedded(ResourceCatalog.BalanceUri, Wire.Text(balance)),
                    ],
                };
            case "estimate_before_running":
                Refuse(p, ["task"]);
                if (p.Arguments is null || !p.Arguments.TryGetValue("task", out var task) || task.ValueKind != JsonValueKind.String
                    || task.GetString() is not { Length: > 0 and <= 2000 } text)
                {
                    throw new McpProtocolException("task is required: a string of 1-2000 characters", McpErrorCode.InvalidParams);
                }

                return new GetPromptResult
                {
                    Description = "Estimate before charging",
                    Messages =
                    [
                        Text($"""
                            Task: {text}

                            Before doing anything billable: list the catalogue operations (list_operations) this task needs, with a quantity for each. Call estimate_operation for each one (pass params and quantity as you will when charging, so cache and batch discounts show), add up the total in tokens and euros (100 tokens = EUR 1.00), compare it with get_balance, and tell me the plan and the cost. Only call charge_for_operation after that, with an idempotency_key per operation.
                            """),
                        Embedded(ResourceCatalog.PricingUri, Wire.Text(ResourceCatalog.Pricing(ledger.Catalog))),
                    ],
                };
            default:
                throw new McpProtocolException($"Unknown prompt: '{Wire.Shown(p.Name)}'", McpErrorCode.InvalidParams);
        }
    }

    private static void Refuse(GetPromptRequestParams p, string[] allowed)
    {
        foreach (var name in p.Arguments?.Keys ?? Enumerable.Empty<string>())
        {
            if (!allowed.Contains(name))
            {
                throw new McpProtocolException($"{Wire.Shown(name)} is not an argument of {p.Name}", McpErrorCode.InvalidParams);
            }
        }
    }

    private static PromptMessage Text(string text) => new() { Role = Role.User, Content = new TextContentBlock { Text = text } };

    private static PromptMessage Embedded(string uri, string json) => new()
    {
        Role = Role.User,
        Content = new EmbeddedResourceBlock { Resource = new TextResourceContents { Uri = uri, MimeType = "application/json", Text = json } },
    };
}
