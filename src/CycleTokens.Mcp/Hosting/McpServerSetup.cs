using System.Reflection;
using CycleTokens.Core;
using CycleTokens.Mcp.Prompts;
using CycleTokens.Mcp.Resources;
using CycleTokens.Mcp.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CycleTokens.Mcp.Hosting;

/// <summary>Registers the CycleTokens MCP server (tools, resources, prompts, events); the caller adds the transport.</summary>
internal static class McpServerSetup
{
    public const string Instructions =
        "CycleTokens bills this session per CAD operation in tokens (100 tokens = EUR 1.00). " +
        "Estimate before charging (estimate_operation); for an operation that may run long or fail, reserve_operation first, then settle_reservation " +
        "what ran or void_reservation; pass an idempotency_key on every charge, spend, reservation, escrow and purchase so retries are safe, " +
        "and read get_balance or the tokens://balance resource for what is left. " +
        "Debits may be limited by this session's budget (get_budget), and ones above its confirm_above ask the user first.";

    /// <param name="services">The host's services.</param>
    /// <param name="ledger">The open ledger.</param>
    /// <param name="mode">The stdio server's one mode; null over HTTP, where each request's credential decides.</param>
    /// <param name="unanswered">The stdio input's record of requests not yet answered.</param>
    public static IMcpServerBuilder AddCycleTokensMcp(this IServiceCollection services, TokenLedger ledger, ServerMode? mode, UnansweredRequests? unanswered = null)
    {
        EventScope.Attach(ledger);
        unanswered ??= new UnansweredRequests();
        services.AddSingleton(unanswered);
        services.AddSingleton(ledger);
        services.AddSingleton(new Callers(mode));
        services.AddSingleton<SubscriptionHub>();
        services.AddSingleton<EventForwarder>();
        services.AddSingleton<ToolCatalog>();
        services.AddSingleton<Confirmation>();
        services.AddSingleton<ToolDispatcher>();
        services.AddSingleton<ResourceCatalog>();
        services.AddSingleton<PromptCatalog>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<BalanceWatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<BalanceWatcher>());
        services.AddHostedService<ReservationSweeper>();
        services.AddHostedService<SpendDayPruner>();
        services.AddHostedService<ReceiptKeyWatcher>();

        return services
            .AddMcpServer(options =>
            {
                options.ServerInfo = new Implementation { Name = "cycletokens", Title = "CycleTokens", Version = Version() };
                options.ServerInstructions = Instructions;
                options.Filters.Message.IncomingFilters.Add(unanswered.IncomingFilter);
                options.Filters.Message.OutgoingFilters.Add(unanswered.OutgoingFilter);
                // Every service here is a singleton: a DI scope per request would only cost time on the hop.
                options.ScopeRequests = false;
                // Subscribe is not inferred from the handlers; lists never change at run time.
                options.Capabilities = new ServerCapabilities
                {
                    Tools = new ToolsCapability { ListChanged = false },
                    Resources = new ResourcesCapability { Subscribe = true, ListChanged = false },
                    Prompts = new PromptsCapability { ListChanged = false },
                };
            })
            .WithListToolsHandler((context, _) => ValueTask.FromResult(new ListToolsResult
            {
                Tools = [.. Get<ToolCatalog>(context.Services).For(Get<Callers>(context.Services).Of(context)).Tools],
            }))
            .WithCallToolHandler((context, ct) => Get<ToolDispatcher>(context.Services).CallAsync(context, ct))
            .WithListResourcesHandler((_, _) => ValueTask.FromResult(new ListResourcesResult { Resources = [.. ResourceCatalog.Static] }))
            .WithListResourceTemplatesHandler((_, _) => ValueTask.FromResult(new ListResourceTemplatesResult { ResourceTemplates = [ResourceCatalog.EscrowTemplate] }))
            .WithReadResourceHandler((context, ct) => Get<ResourceCatalog>(context.Services).ReadAsync(context, ct))
            .WithSubscribeToResourcesHandler(async (context, ct) =>
            {
                if (!ResourceCatalog.Exists(context.Params!.Uri))
                {
                    throw new McpProtocolException($"Resource not found: '{Json.Wire.Shown(context.Params.Uri, 100)}'", McpErrorCode.ResourceNotFound);
                }

                var account = await BaselineAsync(context, ct);
                Get<SubscriptionHub>(context.Services).Subscribe(context.Server, account, context.Params!.Uri);
                return new EmptyResult();
            })
            .WithUnsubscribeFromResourcesHandler((context, _) =>
            {
                Get<SubscriptionHub>(context.Services).Unsubscribe(context.Server, context.Params!.Uri);
                return ValueTask.FromResult(new EmptyResult());
            })
            .WithSubscriptionsListenHandler(async (context, ct) =>
            {
                var account = await BaselineAsync(context, ct);
                return await Get<SubscriptionHub>(context.Services).ListenAsync(context, account, ResourceCatalog.Exists, ct);
            })
            .WithListPromptsHandler((_, _) => ValueTask.FromResult(new ListPromptsResult { Prompts = [.. PromptCatalog.All] }))
            .WithGetPromptHandler((context, ct) => Get<PromptCatalog>(context.Services).GetAsync(context, ct));
    }

    /// <summary>Where the request's account stands in the journal, for a subscription; returns the account.</summary>
    /// <exception cref="McpException">The ledger is unavailable: the message says to retry.</exception>
    private static async Task<string> BaselineAsync(MessageContext context, CancellationToken cancellationToken)
    {
        var mode = Get<Callers>(context.Services).Of(context);
        try
        {
            mode.ThrowIfUnverified();
            await Get<BalanceWatcher>(context.Services).BaselineAsync(mode.Account, cancellationToken);
            return mode.Account;
        }
        catch (LedgerUnavailableException unavailable)
        {
            throw new McpException(unavailable.Message, unavailable);
        }
    }

    private static T Get<T>(IServiceProvider? services)
        where T : notnull => (services ?? throw new InvalidOperationException("The request has no services.")).GetRequiredService<T>();

    private static string Version() =>
        typeof(McpServerSetup).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
