using Microsoft.Extensions.Hosting;

namespace CycleTokens.Mcp.Hosting;

/// <summary>
/// A server's background chore on the injected clock: <see cref="TickAsync"/> every <see cref="Period"/>, until the
/// host stops. A tick that fails is reported to <see cref="Failed"/> and the next tick tries again, so a busy or
/// unreachable ledger never stops the host.
/// </summary>
/// <param name="time">The clock the ticks follow (tests advance a fake one).</param>
internal abstract class PeriodicWork(TimeProvider time) : BackgroundService
{
    /// <summary>How long between ticks.</summary>
    protected abstract TimeSpan Period { get; }

    /// <summary>False when there is nothing to do for this server at all (it then never ticks).</summary>
    protected virtual bool Enabled => true;

    /// <summary>One tick's work.</summary>
    protected abstract Task TickAsync(CancellationToken cancellationToken);

    /// <summary>Reports a tick that failed (logged as a warning by each chore).</summary>
    protected abstract void Failed(Exception exception);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(Period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await TickAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Failed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}
