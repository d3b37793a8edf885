using System.IO.Pipes;
using System.Text;
using CycleTokens.Mcp.Hosting;

namespace CycleTokens.Mcp.Tests.Hosting;

/// <summary>The stdin pump over a real OS pipe, as stdin is when a client starts the server.</summary>
public sealed class StdinPumpTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task LinesWrittenToThePipe_AreReadInOrder_AndTheEndOfInputReadsAsZero()
    {
        using var writer = new AnonymousPipeServerStream(PipeDirection.Out);
        await using var pump = new StdinPump(new AnonymousPipeClientStream(PipeDirection.In, writer.ClientSafePipeHandle));
        using var reader = new StreamReader(pump, Encoding.UTF8);

        var big = new string('x', 200_000);
        // More than the OS pipe and the pump's pipe hold together: written while the lines are read.
        var written = Task.Run(async () =>
        {
            await writer.WriteAsync(Encoding.UTF8.GetBytes("first\nsecond\n" + big + "\nlast"));
            await writer.FlushAsync();
        });

        Assert.Equal("first", await reader.ReadLineAsync().WaitAsync(Patience));
        Assert.Equal("second", await reader.ReadLineAsync().WaitAsync(Patience));
        Assert.Equal(big, await reader.ReadLineAsync().WaitAsync(Patience));
        await written.WaitAsync(Patience);
        writer.Dispose();
        Assert.Equal("last", await reader.ReadLineAsync().WaitAsync(Patience));
        Assert.Null(await reader.ReadLineAsync().WaitAsync(Patience));
    }

    [Fact]
    public async Task AReadWaitingForInput_CanBeCancelled()
    {
        using var writer = new AnonymousPipeServerStream(PipeDirection.Out);
        await using var pump = new StdinPump(new AnonymousPipeClientStream(PipeDirection.In, writer.ClientSafePipeHandle));
        using var cancel = new CancellationTokenSource();

        var read = pump.ReadAsync(new byte[16], cancel.Token).AsTask();
        await Task.Delay(50);
        Assert.False(read.IsCompleted);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(Patience));
    }
}
