using System.Text.Json.Nodes;
using CycleTokens.Core;
using CycleTokens.Core.Budgets;
using CycleTokens.Mcp.Hosting;
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
/// A keyed retry of a call already applied never gets here: the engine replays its stored outcome before pricing.
/// </para>
/// </remarks>
internal sealed class Confirmation(TimeProvider time)
{
    /// <summary>How long the human has to answer.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    // The key of the one input request of a 2026-07-28 round.
    private const string InputKey = "confirm_debit";

    public async Task<JsonObject> RunAsync(RequestContext<CallToolRequestParams> request, ServerMode mode, ToolDefinition tool, ToolContext call)
    {
        var perRequest = Revision.IsPerRequest(request);
        var callHash = ConfirmationState.HashOf(tool.Name, mode.Credential, call.Account, request.Params?.Arguments);
        if (perRequest && ConfirmationState.Decode(request.Params?.RequestState) is { } asked && asked.Call == callHash)
        {
            // The second round: the human's answer to the question the first round returned.
            var answer = request.Params!.InputResponses?.TryGetValue(InputKey, out var response) == true
                ? response.Deserialize(InputResponse.ElicitResultJsonTypeInfo)
                : null;
            if (answer is null || time.GetUtcNow().ToUnixTimeMilliseconds() - asked.AskedMs > (long)Timeout.TotalMilliseconds)
            {
                throw Refusal(ConfirmationText.NoAnswer(asked.Description, asked.Amount, Timeout));
            }

            return answer.IsAccepted
                ? await tool.Handler(Confirmed(call, asked.Amount))
                : throw Refusal(ConfirmationText.Declined(asked.Description, asked.Amount));
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
                throw Refusal(ConfirmationText.Unsupported(debit, mode.Credential));
            }

            var question = Question(debit, call.Account);
            if (perRequest)
            {
                throw new InputRequiredException(
                    new Dictionary<string, InputRequest> { [InputKey] = InputRequest.ForElicitation(question) },
                    new ConfirmationState(callHash, debit.Amount, debit.Description, time.GetUtcNow().ToUnixTimeMilliseconds()).Encode());
            }

            await AskAsync(request.Server, question, debit, call.CancellationToken);
            return await tool.Handler(Confirmed(call, debit.Amount));
        }
    }

    /// <summary>Asks over the session; returns when the human accepted, else throws the refusal.</summary>
    private async Task AskAsync(McpServer server, ElicitRequestParams question, PendingDebit debit, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(Timeout, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        ElicitResult answer;
        try
        {
            answer = await server.ElicitAsync(question, either.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Refusal(ConfirmationText.NoAnswer(debit.Description, debit.Amount, Timeout));
        }
        catch (McpException)
        {
            // The client answered the question with an error: no confirmation, so nothing is charged.
            throw Refusal(ConfirmationText.NoAnswer(debit.Description, debit.Amount, Timeout));
        }

        if (!answer.IsAccepted)
        {
            throw Refusal(ConfirmationText.Declined(debit.Description, debit.Amount));
        }
    }

    private static ElicitRequestParams Question(PendingDebit debit, string account) => new()
    {
        Mode = "form",
        Message = ConfirmationText.Question(debit, account),
        // Nothing to fill in: accepting or declining is the whole answer.
        RequestedSchema = new ElicitRequestParams.RequestSchema(),
    };

    private static ToolContext Confirmed(ToolContext call, long amount) => call with { Spender = call.Spender with { Confirmed = amount } };

    private static LedgerException Refusal(string message) => new(LedgerErrorCode.ConfirmationRequired, message);
}
