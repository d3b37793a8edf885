using System.Buffers;

namespace CycleTokens.Mcp.Hosting;

/// <summary>
/// stdout for the MCP transport: the transport writes a message, then its newline, then flushes; this collects the
/// pieces and hands each message to the pipe in one synchronous <c>write</c> at the flush.
/// </summary>
/// <remarks>
/// The console stream's asynchronous write and flush each run as a thread-pool work item; writing synchronously on the
/// thread that produced the response saves those two hand-offs per message. The transport serialises its sends, so
/// this is never written from two threads at once.
/// </remarks>
internal sealed class ProtocolOutput(Stream inner) : Stream
{
    private readonly ArrayBufferWriter<byte> _pending = new(16 * 1024);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer) => _pending.Write(buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush()
    {
        if (_pending.WrittenCount > 0)
        {
            inner.Write(_pending.WrittenSpan);
            _pending.Clear();
        }

        inner.Flush();
    }

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        Flush();
        return Task.CompletedTask;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try
            {
                Flush();
            }
            catch (IOException)
            {
                // The client has gone: nothing left to deliver to.
            }

            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
