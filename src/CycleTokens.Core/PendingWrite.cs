using System.Runtime.ExceptionServices;
using CycleTokens.Core.Events;

namespace CycleTokens.Core;

/// <summary>A write waiting for, or run in, a <see cref="WriteBatch"/>; its outcome and events once run.</summary>
internal abstract class PendingWrite
{
    private ExceptionDispatchInfo? _error;

    /// <summary>Completed with true when this write's caller is to lead the next batch, false when it is done.</summary>
    internal TaskCompletionSource<bool> Turn { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Made leader: no longer withdrawable. Read and written under the batch's lock.</summary>
    internal bool Promoted { get; set; }

    /// <summary>The events of the committed write, raised by its caller.</summary>
    internal List<LedgerEvent> Events { get; private set; } = [];

    /// <summary>Whether the write ran to an outcome (a result or an expected failure).</summary>
    protected bool Done { get; private set; }

    /// <summary>Runs the write in the open transaction; false when, alone, nothing of it is to be kept.</summary>
    internal abstract bool Run(TokenLedger ledger, bool alone);

    /// <summary>The batch failed as a whole (nothing committed): the write fails with that failure.</summary>
    internal void Abort(Exception failure) => Fail(failure, []);

    /// <summary>Records an expected failure and the events of what is kept (the due work).</summary>
    internal void Fail(Exception failure, List<LedgerEvent> events)
    {
        Events = events;
        _error = ExceptionDispatchInfo.Capture(failure);
        Done = true;
    }

    /// <summary>Records success and its events.</summary>
    protected void Succeeded(List<LedgerEvent> events)
    {
        Events = events;
        _error = null;
        Done = true;
    }

    /// <summary>Throws the recorded failure, if any.</summary>
    protected void ThrowIfFailed()
    {
        if (!Done)
        {
            throw new InvalidOperationException("The write has no outcome.");
        }

        _error?.Throw();
    }
}
