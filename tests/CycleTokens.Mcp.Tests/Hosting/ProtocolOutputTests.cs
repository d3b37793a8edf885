using System.Text;
using CycleTokens.Mcp.Hosting;

namespace CycleTokens.Mcp.Tests.Hosting;

public sealed class ProtocolOutputTests
{
    [Fact]
    public async Task AMessageWrittenInPieces_LeavesInOneWriteAtTheFlush_AndEveryCallCompletesAtOnce()
    {
        var inner = new RecordingStream();
        await using var output = new ProtocolOutput(inner);

        var body = output.WriteAsync(Encoding.UTF8.GetBytes("{\"id\":1}"));
        var newline = output.WriteAsync("\n"u8.ToArray());
        Assert.Empty(inner.Writes);
        var flush = output.FlushAsync();

        Assert.True(body.IsCompletedSuccessfully && newline.IsCompletedSuccessfully && flush.IsCompletedSuccessfully);
        Assert.Equal(["{\"id\":1}\n"], inner.Writes);
        Assert.Equal(1, inner.Flushes);

        await output.WriteAsync("{\"id\":2}\n"u8.ToArray());
        await output.FlushAsync();
        Assert.Equal(["{\"id\":1}\n", "{\"id\":2}\n"], inner.Writes);
    }

    [Fact]
    public async Task Disposing_DeliversWhatIsLeft_AndClosesTheInnerStream()
    {
        var inner = new RecordingStream();
        var output = new ProtocolOutput(inner);
        await output.WriteAsync("{\"id\":3}\n"u8.ToArray());

        await output.DisposeAsync();

        Assert.Equal(["{\"id\":3}\n"], inner.Writes);
        Assert.True(inner.Disposed);
    }

    private sealed class RecordingStream : Stream
    {
        public List<string> Writes { get; } = [];

        public int Flushes { get; private set; }

        public bool Disposed { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Write(ReadOnlySpan<byte> buffer) => Writes.Add(Encoding.UTF8.GetString(buffer));

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("asynchronous write: a thread-pool hand-off");

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("asynchronous write: a thread-pool hand-off");

        public override void Flush() => Flushes++;

        public override Task FlushAsync(CancellationToken cancellationToken) =>
            throw new InvalidOperationException("asynchronous flush: a thread-pool hand-off");

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
