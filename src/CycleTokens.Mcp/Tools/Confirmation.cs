using System.Text.Json.Nodes;
using CycleTokens.Core;
using CycleTokens.Core.Budgets;
using CycleTokens.Mcp.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CycleTokens.Mcp.Tools;

/// <summary>
/// Runs a tool handler and, when the engine answers that its debit needs the human's confirmation
/// (<see cref="LedgerErrorCode.ConfirmationRequired"/>), asks through MCP elicitation (form mode) and runs it again with
/// the confirmed amount as a ceiling the engine enforces. Nothing is written before the answer, and the write lock is
/// never held while the human thinks.
/// </summary>
/// <remarks>
/// <para>
/// 2025-11-25 and earlier (a session): an <c>elicitation/create</c> request during the call, given
/// <see cref="Timeout"/> on the injected clock; no answer by then cancels it and fails the call.
/// </para>
/// <para>
/// 2026-07-28 (no session; also stateless over HTTP): the call returns an input-required result with the question and a
/// <see cref="ConfirmationState"/>; the client asks the human and retries with the answer and the state. An answer
/// arriving after <see cref="Timeout"/> counts as none. The server cannot end a round it has already answered: a client
/// that never retries holds its own call.
/// </para>
/// <para>
/// A keyed retry of a call already applied is never asked about: the engine replays its stored outcome before pricing.
/// </para>
/// </remarks>
internal sealed partial class Confirmation(TimeProvider time, ILogger<Confirmation> logger)
{
    /// <summary>How long the human has to answer.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    // The key of the one input request of a 2026-07-28 round.
    private const string InputKey = "confirm_debit";

    /// <summary>Runs <paramref name="tool"/>'s handler for <paramref name="call"/>, asking the human first when its debit needs it.</summary>
    /// <exception cref="LedgerException">The engine's failures, and declined, unanswered or unaskable confirmations.</exception>
    /// <exception cref="InputRequiredException">A 2026-07-28 first round: the question, for the SDK to return.</exception>
    public async Task<JsonObject> RunAsync(RequestContext<CallToolRequestParams> request, ServerMode mode, ToolDefinition tool, ToolContext call)
    {
        var perRequest = Revision.IsPerRequest(request);
        var callHash = ConfirmationState.HashOf(tool.Name, mode.Credential, call.Account, request.Params?.Arguments);
        if (perRequest && ConfirmationState.Decode(request.Params?.RequestState) is { } asked && asked.Call == callHash)
        {
            // The second round: the human's answer to the question the first round returned.
            var result = request.Params!.InputResponses?.TryGetValue(InputKey, out var response) == true
                ? response.Deserialize(InputResponse.ElicitResultJsonTypeInfo)
                : null;
            var answer = result is null || time.GetUtcNow().ToUnixTimeMilliseconds() - asked.AskedMs > (long)Timeout.TotalMilliseconds
                ? ConfirmationAnswer.NoAnswer
                : result.IsAccepted ? ConfirmationAnswer.Accepted : ConfirmationAnswer.Declined;
            return await ConcludeAsync(answer, asked.Description, asked.Amount, mode, tool, call);
        }

        try
        {
            return await tool.Handler(call);
        }
        catch (LedgerException ask) when (ask is { Code: LedgerErrorCode.ConfirmationRequired, Debit: { Confirmed: null } debit } && call.Spender.Confirmed is null)
        {
            if (Revision.Capabilities(request)?.Elicitation?.Form is null)
            {
                // Fail closed: never a silent charge.
                LogUnsupported(logger, debit.Description, debit.Amount, call.Account, mode.Credential);
                throw Refusal(ConfirmationText.Unsupported(debit, mode.Credential));
            }

            var question = Question(debit, call.Account);
            if (perRequest)
            {
                throw new InputRequiredException(
                    new Dictionary<string, InputRequest> { [InputKey] = InputRequest.ForElicitation(question) },
                    new ConfirmationState(callHash, debit.Amount, debit.Description, time.GetUtcNow().ToUnixTimeMilliseconds()).Encode());
            }

            return await ConcludeAsync(await AskAsync(request.Server, question, call.CancellationToken), debit.Description, debit.Amount, mode, tool, call);
        }
    }

    /// <summary>Asks over the session, giving the human <see cref="Timeout"/>.</summary>
    private async Task<ConfirmationAnswer> AskAsync(McpServer server, ElicitRequestParams question, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(Timeout, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return (await server.ElicitAsync(question, either.Token)).IsAccepted ? ConfirmationAnswer.Accepted : ConfirmationAnswer.Declined;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ConfirmationAnswer.NoAnswer;
        }
        catch (McpException)
        {
            // The client answered the question with an error: no confirmation, so nothing is charged.
            return ConfirmationAnswer.NoAnswer;
        }
    }

    /// <summary>Runs the handler again with the confirmed amount as its ceiling, or fails the call; either way logged.</summary>
    private async Task<JsonObject> ConcludeAsync(ConfirmationAnswer answer, string description, long amount, ServerMode mode, ToolDefinition tool, ToolContext call)
    {
        LogAnswer(logger, description, amount, call.Account, mode.Credential, answer);
        return answer switch
        {
            ConfirmationAnswer.Accepted => await tool.Handler(call with { Spender = call.Spender with { Confirmed = amount } }),
            ConfirmationAnswer.Declined => throw Refusal(ConfirmationText.Declined(description, amount)),
            _ => throw Refusal(ConfirmationText.NoAnswer(description, amount, Timeout)),
        };
    }

    private static ElicitRequestParams Question(PendingDebit debit, string account) => new()
    {
        Mode = "form",
        Message = ConfirmationText.Question(debit, account),
        // Nothing to fill in: accepting or declining is the whole answer.
        RequestedSchema = new ElicitRequestParams.RequestSchema(),
    };

    private static LedgerException Refusal(string message) => new(LedgerErrorCode.ConfirmationRequired, message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Confirmation of the {Description} ({Amount} tokens) on {Account} with credential {Credential}: {Answer}")]
    private static partial void LogAnswer(ILogger logger, string description, long amount, string account, string credential, ConfirmationAnswer answer);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused the {Description} ({Amount} tokens) on {Account} with credential {Credential}: it needs confirmation and the client cannot ask")]
    private static partial void LogUnsupported(ILogger logger, string description, long amount, string account, string credential);
}
