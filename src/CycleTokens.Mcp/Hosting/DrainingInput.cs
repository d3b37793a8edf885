using System.Buffers;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Hosting;

/// <summary>
/// stdin for the SDK's stream transport. It notes each request line that passes and, at end of input, holds the end
/// back until those requests have been answered: the transport stops sending once it has seen the end, which would
/// drop answers still being computed. A line the transport would drop without a word (not JSON, or no JSON-RPC
/// message, and no id to answer with) gets the JSON-RPC error a client expects, with a null id.
/// </summary>
/// <param name="inner">The process's stdin.</param>
/// <param name="unanswered">The requests read and not yet answered.</param>
/// <param name="transport">The transport reading this input, to send the error replies through (it starts reading
/// while it is being constructed, so it is handed over once it exists).</param>
/// <param name="time">The clock of the wait at the end.</param>
internal sealed class DrainingInput(Stream inner, UnansweredRequests unanswered, Task<ITransport> transport, TimeProvider time) : AsyncReadStream
{
    /// <summary>How long the end waits with nothing happening (no request being handled, none answered).</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);

    /// <summary>The longest the end of input is held back.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private readonly ArrayBufferWriter<byte> _line = new();
    private readonly List<InputLineKind> _toAnswer = [];

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // The console stream ignores cancellation: a read blocked on an open stdin must not hold up a shutdown.
        var pending = inner.ReadAsync(buffer, cancellationToken);
        var read = pending.IsCompletedSuccessfully ? pending.Result : await pending.AsTask().WaitAsync(cancellationToken);
        if (read == 0)
        {
            Note(_line.WrittenSpan);
            _line.Clear();
            await ReplyAsync(cancellationToken);
            await unanswered.WaitAnsweredAsync(Settle, Limit, time, cancellationToken);
            return 0;
        }

        Scan(buffer.Span[..read]);
        await ReplyAsync(cancellationToken);
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Scan(ReadOnlySpan<byte> chunk)
    {
        int newline;
        while ((newline = chunk.IndexOf((byte)'\n')) >= 0)
        {
            if (_line.WrittenCount == 0)
            {
                Note(chunk[..newline]);
            }
            else
            {
                _line.Write(chunk[..newline]);
                Note(_line.WrittenSpan);
                _line.Clear();
            }

            chunk = chunk[(newline + 1)..];
        }

        _line.Write(chunk);
    }

    private void Note(ReadOnlySpan<byte> line)
    {
        var kind = InputLine.Of(line);
        switch (kind.Kind)
        {
            case InputLineKind.Request:
                unanswered.Expect(kind.Id);
                break;
            case InputLineKind.Cancellation:
                unanswered.Answered(kind.Id);
                break;
            case InputLineKind.Unparsable or InputLineKind.Invalid:
                _toAnswer.Add(kind.Kind);
                break;
        }
    }

    private async Task ReplyAsync(CancellationToken cancellationToken)
    {
        if (_toAnswer.Count == 0)
        {
            return;
        }

        var sender = await transport.WaitAsync(cancellationToken);
        foreach (var kind in _toAnswer)
        {
            var error = kind == InputLineKind.Unparsable
                ? new JsonRpcErrorDetail { Code = (int)McpErrorCode.ParseError, Message = "Parse error: the line is not JSON." }
                : new JsonRpcErrorDetail { Code = (int)McpErrorCode.InvalidRequest, Message = "Invalid request: the line is not a JSON-RPC 2.0 message." };
            try
            {
                await sender.SendMessageAsync(new JsonRpcError { Id = default, Error = error }, cancellationToken);
            }
            catch (IOException)
            {
                // The client has gone; the end of input follows.
            }
        }

        _toAnswer.Clear();
    }
}
