using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// The human behind a client's elicitation handler: records each question, signals when asked, and answers as scripted
/// (at once, after a gate the test opens, or never). Cancellation of a question by the server is observed too.
/// </summary>
internal sealed class ScriptedHuman
{
    private readonly Func<ElicitRequestParams, CancellationToken, Task<string>> _answer;
    private readonly TaskCompletionSource<ElicitRequestParams> _asked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _withdrawn = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<ElicitRequestParams> _questions = [];

    private ScriptedHuman(Func<ElicitRequestParams, CancellationToken, Task<string>> answer) => _answer = answer;

    /// <summary>The first question, once asked.</summary>
    public Task<ElicitRequestParams> Asked => _asked.Task;

    /// <summary>Completes when the server withdrew a question (cancelled the request) before it was answered.</summary>
    public Task Withdrawn => _withdrawn.Task;

    public IReadOnlyList<ElicitRequestParams> Questions
    {
        get
        {
            lock (_questions)
            {
                return [.. _questions];
            }
        }
    }

    /// <summary>Handlers declaring the elicitation capability, answered by this human.</summary>
    public McpClientHandlers Handlers => new() { ElicitationHandler = AnswerAsync };

    /// <summary>Answers every question at once with <paramref name="action"/> (accept, decline, cancel).</summary>
    public static ScriptedHuman Answering(string action) => new((_, _) => Task.FromResult(action));

    /// <summary>Answers with <paramref name="action"/> once <paramref name="gate"/> completes (or gives up if the question is withdrawn).</summary>
    public static ScriptedHuman AnsweringAfter(Task gate, string action) => new(async (_, ct) =>
    {
        await gate.WaitAsync(ct);
        return action;
    });

    /// <summary>Answers with whatever <paramref name="answer"/> decides, given the question.</summary>
    public static ScriptedHuman Deciding(Func<ElicitRequestParams, CancellationToken, Task<string>> answer) => new(answer);

    /// <summary>Never answers; only a withdrawal ends the wait.</summary>
    public static ScriptedHuman Silent() => new(async (_, ct) =>
    {
        await Task.Delay(Timeout.Infinite, ct);
        return "accept";
    });

    private async ValueTask<ElicitResult> AnswerAsync(ElicitRequestParams? question, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(question);
        lock (_questions)
        {
            _questions.Add(question);
        }

        _asked.TrySetResult(question);
        try
        {
            return new ElicitResult { Action = await _answer(question, cancellationToken) };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _withdrawn.TrySetResult();
            throw;
        }
    }
}
