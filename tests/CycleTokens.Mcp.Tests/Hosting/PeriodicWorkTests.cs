using CycleTokens.Mcp.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace CycleTokens.Mcp.Tests.Hosting;

/// <summary>The background chores' loop: a tick every period of the injected clock; a failed tick is reported and the next one runs.</summary>
public sealed class PeriodicWorkTests
{
    [Fact]
    public async Task ATickThatFails_IsReported_AndTheNextTickStillRuns()
    {
        var clock = new FakeTimeProvider();
        using var chore = new Chore(clock, enabled: true);
        await chore.StartAsync(CancellationToken.None);

        var failure = await AdvanceUntilAsync(clock, chore.Failure.Task);
        await AdvanceUntilAsync(clock, chore.SecondTick.Task);
        await chore.StopAsync(CancellationToken.None);

        Assert.Equal("the first tick fails", failure.Message);
        Assert.Equal(2, chore.Ticks);
    }

    [Fact]
    public async Task AChoreWithNothingToDo_EndsAtOnce_AndNeverTicks()
    {
        var clock = new FakeTimeProvider();
        using var chore = new Chore(clock, enabled: false);
        await chore.StartAsync(CancellationToken.None);

        await chore.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(10));
        clock.Advance(Chore.Every * 3);
        await chore.StopAsync(CancellationToken.None);

        Assert.Equal(0, chore.Ticks);
    }

    /// <summary>Moves the clock a period at a time (the chore's timer starts on its own thread) until <paramref name="task"/> ends.</summary>
    private static async Task<T> AdvanceUntilAsync<T>(FakeTimeProvider clock, Task<T> task)
    {
        for (var i = 0; i < 200 && !task.IsCompleted; i++)
        {
            clock.Advance(Chore.Every);
            await Task.WhenAny(task, Task.Delay(50));
        }

        return await task.WaitAsync(TimeSpan.FromSeconds(1));
    }

    private sealed class Chore(TimeProvider time, bool enabled) : PeriodicWork(time)
    {
        public static readonly TimeSpan Every = TimeSpan.FromMinutes(1);

        private int _ticks;

        public int Ticks => Volatile.Read(ref _ticks);

        public TaskCompletionSource<Exception> Failure { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<bool> SecondTick { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override TimeSpan Period => Every;

        protected override bool Enabled => enabled;

        protected override Task TickAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _ticks) == 1)
            {
                throw new InvalidOperationException("the first tick fails");
            }

            SecondTick.TrySetResult(true);
            return Task.CompletedTask;
        }

        protected override void Failed(Exception exception) => Failure.TrySetResult(exception);
    }
}
