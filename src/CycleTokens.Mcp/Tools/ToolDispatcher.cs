using System.Text.Json;
using System.Text.Json.Nodes;
using CycleTokens.Core;
using CycleTokens.Mcp.Hosting;
using CycleTokens.Mcp.Json;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CycleTokens.Mcp.Tools;

/// <summary>
/// The one tools/call handler: finds the tool in this mode, checks the arguments against its parameters, runs it (with
/// the request's credential and budget, asking the human when a debit needs it: <see cref="Confirmation"/>),
/// forwards the events it raised, and shapes the result — structured content plus the same JSON as text. Business
/// failures and invalid arguments become <c>isError</c> results with the engine's one-sentence message; anything
/// unexpected is logged with a reference the client's message repeats, and nothing internal reaches the client.
/// </summary>
internal sealed partial class ToolDispatcher(TokenLedger ledger, Callers callers, ToolCatalog catalog, EventForwarder forwarder, Confirmation confirmation, ILogger<ToolDispatcher> logger)
{
    public async ValueTask<CallToolResult> CallAsync(RequestContext<CallToolRequestParams> context, CancellationToken cancellationToken)
    {
        var name = context.Params?.Name ?? string.Empty;
        var mode = callers.Of(context);
        if (!catalog.For(mode).TryGet(name, out var tool, out var parameters))
        {
            // Operator tools in agent mode are indistinguishable from tools that do not exist.
            throw new McpProtocolException($"Unknown tool: '{Wire.Shown(name)}'", McpErrorCode.InvalidParams);
        }

        using var scope = EventScope.Begin();
        CallToolResult result;
        try
        {
            var args = ArgumentReader.Read(tool.Name, parameters, context.Params!.Arguments?.AsReadOnly());
            // Only operator mode has an account argument; an agent session always bills its bound account.
            var account = mode.Operator ? args.String("account") ?? mode.Account : mode.Account;
            if (mode.Operator)
            {
                // Checked here once, so a tool that does not read the account (list_operations) refuses a bad one too.
                Core.Accounts.AccountNames.ValidateUser(account);
            }

            // The session's own account is created on first use; reading another account an operator names never creates it.
            var missing = account == mode.Account ? Core.Accounts.MissingUser.Create : Core.Accounts.MissingUser.Refuse;
            var json = await confirmation.RunAsync(context, mode, tool, new ToolContext(ledger, account, args, mode.Spender, cancellationToken, missing));
            result = Success(json);
        }
        catch (InputRequiredException)
        {
            // A 2026-07-28 confirmation round: the SDK returns the question to the client, which retries with the answer.
            throw;
        }
        catch (LedgerException failure)
        {
            result = Failure(failure.Message, failure.Replayed);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (LedgerUnavailableException unavailable)
        {
            // The database is restarting or unreachable: the message says to retry, with the same key.
            LogUnavailable(logger, unavailable, tool.Name);
            result = Failure(unavailable.Message, replayed: false);
        }
        catch (Microsoft.Data.Sqlite.SqliteException busy) when (busy.SqliteErrorCode is SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED)
        {
            // Other sessions held the ledger's write lock for the whole busy timeout: nothing was written.
            LogBusy(logger, tool.Name);
            result = Failure("The ledger is busy with other sessions' writes; nothing was written. Retry the call (with the same idempotency_key, if it had one).", replayed: false);
        }
#pragma warning disable CA1031 // Every fault must come back as a safe message, never as an exception's text.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var reference = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
            LogUnexpected(logger, ex, tool.Name, reference);
            result = Failure($"An unexpected error occurred (reference {reference}). If the call was keyed, retry it with the same idempotency_key.", replayed: false);
        }

        await forwarder.ForwardAsync(context, mode, scope.Events, cancellationToken);
        return result;
    }

    private static CallToolResult Success(JsonObject json)
    {
        // Serialized once: the structured content and its text copy are the same bytes.
        var utf8 = JsonSerializer.SerializeToUtf8Bytes(json, WireJson.Context.JsonObject);
        return new()
        {
            StructuredContent = JsonElement.Parse(utf8),
            Content = [new TextContentBlock { Text = System.Text.Encoding.UTF8.GetString(utf8) }],
            IsError = false,
        };
    }

    private static CallToolResult Failure(string message, bool replayed) => new()
    {
        Content = [new TextContentBlock { Text = message }],
        IsError = true,
        Meta = replayed ? new JsonObject { ["replayed"] = true } : null,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tool {Tool} found the ledger busy for the whole busy timeout; the call was refused")]
    private static partial void LogBusy(ILogger logger, string tool);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tool {Tool} found the ledger's database unavailable; the caller was told to retry")]
    private static partial void LogUnavailable(ILogger logger, Exception exception, string tool);

    [LoggerMessage(Level = LogLevel.Error, Message = "Tool {Tool} failed unexpectedly (reference {Reference})")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string tool, string reference);
}
