namespace CycleTokens.Core;

/// <summary>
/// Group commit: writes that arrive while another is running wait in a queue, and the next of them to lead runs up to
/// <see cref="MaxBatch"/> of them in one transaction with one commit (and, with <c>synchronous=FULL</c>, one fsync).
/// </summary>
/// <remarks>
/// A caller that finds nobody leading leads: it takes the ledger's gate, runs the batch at the head of the queue (its
/// own write first), commits, hands the lead to the first write still queued, and tells the others of the batch they
/// are done. A caller that finds a leader waits; it may withdraw (cancel) until its write is taken into a batch or it
/// is made leader. A write alone in its batch runs exactly as an unbatched write: no extra statement.
/// </remarks>
internal sealed class WriteBatch(SemaphoreSlim gate, Action<IReadOnlyList<PendingWrite>> runBatch)
{
    /// <summary>The most writes committed together: bounds how long the last of them waits for the commit.</summary>
    internal const int MaxBatch = 64;

    private readonly Lock _lock = new();
    private readonly List<PendingWrite> _queue = [];
    private bool _leading;

    /// <summary>Writes waiting for a batch (tests read it to know a queue has formed).</summary>
    internal int Queued
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Runs the write, alone or with others; returns once its outcome is committed (or it failed).</summary>
    internal async Task RunAsync(PendingWrite write, CancellationToken cancellationToken)
    {
        bool lead;
        lock (_lock)
        {
            _queue.Add(write);
            lead = !_leading;
            _leading = true;
        }

        if (!lead)
        {
            using (cancellationToken.Register(static state => Withdraw((ValueTuple<WriteBatch, PendingWrite>)state!), (this, write)))
            {
                lead = await write.Turn.Task.ConfigureAwait(false);
            }

            if (!lead)
            {
                return;
            }
        }

        await LeadAsync(write).ConfigureAwait(false);
    }

    private async Task LeadAsync(PendingWrite own)
    {
        // Not cancellable: the leader serves the writes queued behind it too.
        await gate.WaitAsync().ConfigureAwait(false);
        PendingWrite[] batch = [];
        try
        {
            lock (_lock)
            {
                batch = [.. _queue.Take(MaxBatch)];
                _queue.RemoveRange(0, batch.Length);
            }

            runBatch(batch);
        }
        finally
        {
            gate.Release();
            lock (_lock)
            {
                if (_queue.Count == 0)
                {
                    _leading = false;
                }
                else
                {
                    _queue[0].Promoted = true;
                    _queue[0].Turn.TrySetResult(true);
                }
            }

            foreach (var write in batch)
            {
                if (!ReferenceEquals(write, own))
                {
                    write.Turn.TrySetResult(false);
                }
            }
        }
    }

    private static void Withdraw((WriteBatch Batch, PendingWrite Write) entry) => entry.Batch.Withdraw(entry.Write);

    private void Withdraw(PendingWrite write)
    {
        lock (_lock)
        {
            if (write.Promoted || !_queue.Remove(write))
            {
                return;
            }
        }

        write.Turn.TrySetCanceled();
    }
}
