using System.Buffers;
using System.IO.Pipelines;

namespace CycleTokens.Mcp.Hosting;

/// <summary>
/// stdin for the MCP transport, read by one dedicated thread with blocking reads and handed over through a pipe whose
/// reader continues on that same thread.
/// </summary>
/// <remarks>
/// The console stream's asynchronous read runs each read as a thread-pool work item that blocks in <c>read</c>; here a
/// line that arrives is parsed and queued for the server on the thread that read it, with no hand-off. Reads of the
/// transport stay cancellable (it cancels them when the host stops), which a blocking read on its own thread would
/// not be. The reading thread is a background thread: a read still blocked at exit does not keep the process alive.
/// </remarks>
internal sealed class StdinPump : AsyncReadStream
{
    private readonly Stream _inner;
    private readonly Pipe _pipe = new(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false));

    public StdinPump(Stream inner)
    {
        _inner = inner;
        new Thread(Pump) { IsBackground = true, Name = "stdin" }.Start();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var result = await _pipe.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var data = result.Buffer;
            if (!data.IsEmpty)
            {
                var count = (int)Math.Min(data.Length, buffer.Length);
                data.Slice(0, count).CopyTo(buffer.Span);
                _pipe.Reader.AdvanceTo(data.GetPosition(count));
                return count;
            }

            _pipe.Reader.AdvanceTo(data.Start);
            if (result.IsCompleted)
            {
                return 0;
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _pipe.Reader.Complete();
        }

        base.Dispose(disposing);
    }

    private void Pump()
    {
        var writer = _pipe.Writer;
        try
        {
            while (true)
            {
                var memory = writer.GetMemory(16 * 1024);
                var read = _inner.Read(memory.Span);
                if (read == 0)
                {
                    break;
                }

                writer.Advance(read);

                // Runs the transport's read (and the parse of each complete line) here; waits only if the reader
                // has fallen a pipe's worth behind.
                var flushed = writer.FlushAsync().AsTask().GetAwaiter().GetResult();
                if (flushed.IsCompleted)
                {
                    return;
                }
            }

            writer.Complete();
        }
#pragma warning disable CA1031 // A broken stdin ends the input, as the end of the stream does; the transport sees it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            writer.Complete(ex);
        }
    }
}
