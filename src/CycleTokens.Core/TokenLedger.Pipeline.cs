using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using CycleTokens.Core.Accounts;
using CycleTokens.Core.Events;
using CycleTokens.Core.Idempotency;
using CycleTokens.Core.Storage;

namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    /// <summary>
    /// Runs a write in a BEGIN IMMEDIATE transaction. With a key: a stored outcome is replayed (a changed
    /// fingerprint fails), and the new outcome — result or business failure — is stored with the effects.
    /// </summary>
    /// <remarks>
    /// A due month reset or escrow expiry of an existing user is the ledger's own work, owed whatever the call's
    /// outcome: it is performed first, under the same lock, and the call runs after a savepoint, so a failing call is
    /// rolled back to that savepoint and the due work is still committed — a failing call neither undoes it nor reports
    /// a state the file does not hold (e.g. "not held (status: cancelled)" for an escrow still held on disk). A new user
    /// is created inside the call, so a failing first call leaves no trace.
    /// <para>
    /// Writes that queue up while another is running are committed together (group commit, see
    /// <see cref="WriteBatch"/>): each runs in turn under its own savepoint, exactly as it would alone, and one commit
    /// makes them all durable. No caller hears of its result before that commit.
    /// </para>
    /// </remarks>
    private async Task<T> WriteAsync<T>(
        string? touch,
        Func<string> scope,
        string? key,
        string? fingerprint,
        JsonTypeInfo<T> outcomeType,
        Func<T> body,
        Func<T, T> asReplayed,
        CancellationToken cancellationToken,
        CacheKey? cache = null,
        string? reservation = null)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var write = new PendingWrite<T>(touch, scope, key, fingerprint, outcomeType, body, asReplayed, cache, reservation);
        await _writes.RunAsync(write, cancellationToken);
        Raise(write.Events);
        return write.Result();
    }

    /// <summary>
    /// Runs one queued write inside the open write transaction: alone (the transaction is its own) or in a batch
    /// (under a savepoint of its own). Returns false when, alone, nothing it did is to be kept.
    /// </summary>
    internal bool RunWrite<T>(PendingWrite<T> write, bool alone)
    {
        StartClock();
        _pending.Clear();
        if (!alone)
        {
            _db.BeginItem();
        }

        var owed = false;
        List<LedgerEvent> due = [];
        try
        {
            if (write.Touch is not null)
            {
                owed = PerformDueWork(write.Touch, write.Cache, write.Reservation);
                due = TakePending();
            }

            // Only a call whose failure must keep something (its key's outcome, the due work) needs the savepoint.
            var key = write.Key;
            if (key is not null || owed)
            {
                _db.SetSavepoint();
            }

            var account = key is null ? null : write.Scope();
            if (key is not null && TryReplay(account!, key, write.Fingerprint!, write.OutcomeType, out var replayed))
            {
                write.Succeed(write.AsReplayed(replayed!), due);
                return EndWrite(alone, keep: owed);
            }

            T result;
            try
            {
                result = write.Body();
            }
            catch (LedgerException failure) when (key is not null && failure.Code != LedgerErrorCode.ConfirmationRequired)
            {
                // Undo the effects, keep the failure as the key's outcome (and the due work).
                _db.RollbackToSavepoint();
                _pending.Clear();
                var error = JsonSerializer.Serialize(new StoredError(failure.Code, failure.Field, failure.Message), OutcomeJsonContext.Default.StoredError);
                StoreOutcome(account!, key, write.Fingerprint!, "{\"error\":" + error + "}");
                write.Fail(failure, due);
                return EndWrite(alone, keep: true);
            }

            if (key is not null)
            {
                StoreOutcome(account!, key, write.Fingerprint!, "{\"ok\":" + JsonSerializer.Serialize(result, write.OutcomeType) + "}");
            }

            due.AddRange(TakePending());
            write.Succeed(result, due);
            return EndWrite(alone, keep: true);
        }
        catch (LedgerException failure) when (owed)
        {
            // A business failure (or a reused key, or a debit awaiting the human's confirmation, which a keyed call must
            // not keep as its outcome: the confirmed retry has to run): undo the call, keep the due work.
            _db.RollbackToSavepoint();
            _pending.Clear();
            write.Fail(failure, due);
            return EndWrite(alone, keep: true);
        }
        catch (LedgerException failure)
        {
            _pending.Clear();
            write.Fail(failure, []);
            return EndWrite(alone, keep: false);
        }
        finally
        {
            _checkedUser = null;
            _checkedCache = null;
            _checkedReservation = null;
        }
    }

    /// <summary>Ends one write: in a batch, keeps or undoes its savepoint; alone, says whether to commit.</summary>
    private bool EndWrite(bool alone, bool keep)
    {
        if (alone)
        {
            return keep;
        }

        if (!keep)
        {
            _db.RollbackItem();
        }

        _db.ReleaseItem();
        return true;
    }

    /// <summary>Runs queued writes in one transaction and commits once; an unexpected failure fails them all.</summary>
    private void RunBatch(IReadOnlyList<PendingWrite> batch)
    {
        try
        {
            _db.BeginWrite();
            var alone = batch.Count == 1;
            var keep = false;
            foreach (var write in batch)
            {
                keep |= write.Run(this, alone);
            }

            if (keep)
            {
                _db.Commit();
            }
            else
            {
                _db.Rollback();
            }
        }
#pragma warning disable CA1031 // Not swallowed: every write of the batch fails with it, as a lone write would.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _pending.Clear();
            try
            {
                _db.Rollback();
            }
#pragma warning disable CA1031 // The connection is already broken; the first failure is the one to report.
            catch (Exception)
#pragma warning restore CA1031
            {
            }

            // A lost connection or a lock not granted in time is the backend's, not the call's: say so and that a retry is safe.
            var failure = _db.Unavailable(ex) ?? ex;
            foreach (var write in batch)
            {
                write.Abort(failure);
            }
        }
    }

    /// <summary>Write without a key (tier, completion, clear: idempotent by nature).</summary>
    private Task<T> WriteAsync<T>(string? touch, Func<T> body, CancellationToken cancellationToken) =>
        WriteAsync(touch, static () => string.Empty, null, null, null!, body, static r => r, cancellationToken);

    /// <summary>
    /// Runs a read in one snapshot. When the account needs creating, its lazy month reset or an escrow expiry,
    /// that write happens first in its own transaction, and the read takes a new snapshot after it.
    /// </summary>
    /// <param name="touch">The user whose state the read starts from (checked, created or brought up to date).</param>
    /// <param name="body">The read.</param>
    /// <param name="cancellationToken">Cancels the wait for the ledger.</param>
    /// <param name="cache">A discount cache entry the body needs, read with the user's state.</param>
    /// <param name="stateOnly">
    /// The body needs nothing but the user's state and that cache entry: the one statement that reads them is the
    /// whole read (a statement is its own snapshot), so no transaction is opened.
    /// </param>
    /// <param name="missing">Whether a missing <paramref name="touch"/> user is created or refused (nothing written).</param>
    private async Task<T> ReadAsync<T>(string? touch, Func<T> body, CancellationToken cancellationToken, CacheKey? cache = null, bool stateOnly = false, MissingUser missing = MissingUser.Create)
    {
        await _gate.WaitAsync(cancellationToken);
        var events = new List<LedgerEvent>();
        try
        {
            StartClock();
            if (stateOnly && touch is not null)
            {
                try
                {
                    return ReadState(touch, body, cache, missing, events);
                }
                catch (Exception ex) when (_db.Unavailable(ex) is not null)
                {
                    // Its one statement ran on its own, maybe on a connection the server dropped while it was idle
                    // (a restart): nothing happened, so it runs once more, on a new connection if need be.
                    return ReadState(touch, body, cache, missing, events);
                }
            }

            _db.BeginRead();
            try
            {
                if (touch is not null && !IsCurrent(touch, cache, missing))
                {
                    _db.Rollback();
                    events.AddRange(Touch(touch));
                    _db.BeginRead();
                }

                var result = body();
                _db.CheckUnlockedRead();
                _db.Commit();
                return result;
            }
            catch
            {
                _db.Rollback();
                throw;
            }
        }
        catch (Exception ex) when (_db.Unavailable(ex) is { } unavailable)
        {
            // A read has no outcome to be unsure of (a user created on the way is created again if need be).
            throw unavailable is LedgerUnavailableException { OutcomeUnknown: true } ? new LedgerUnavailableException(ex) : unavailable;
        }
        finally
        {
            _snapshotUser = null;
            _checkedCache = null;
            _gate.Release();
            Raise(events);
        }
    }

    /// <summary>The read of <see cref="ReadAsync{T}"/> whose one statement is the user's state: no transaction.</summary>
    private T ReadState<T>(string touch, Func<T> body, CacheKey? cache, MissingUser missing, List<LedgerEvent> events)
    {
        if (!IsCurrent(touch, cache, missing))
        {
            events.AddRange(Touch(touch));
            IsCurrent(touch, cache, missing);
        }

        var state = body();
        _db.CheckUnlockedRead();
        return state;
    }

    /// <summary>Commits the due work performed before a call that ends without effects of its own; else ends the transaction.</summary>
    private void Conclude(bool owed)
    {
        if (owed)
        {
            _db.RollbackToSavepoint();
            _db.Commit();
        }
        else
        {
            _db.Rollback();
        }
    }

    /// <summary>Creates the user or performs its due month reset or escrow expiry in a write of its own; returns its events.</summary>
    private List<LedgerEvent> Touch(string account)
    {
        _pending.Clear();
        _db.BeginWrite();
        try
        {
            // Re-read under the write lock: another process may have done it meanwhile.
            EnsureUser(account);
            _db.Commit();
            return TakePending();
        }
        catch
        {
            _db.Rollback();
            _pending.Clear();
            throw;
        }
    }

    private bool TryReplay<T>(string account, string key, string fingerprint, JsonTypeInfo<T> outcomeType, out T? result)
    {
        result = default;
        if (_idempotency.Find(account, key) is not { } kept)
        {
            return false;
        }

        var (storedFingerprint, outcome) = kept;

        if (storedFingerprint != fingerprint)
        {
            throw new LedgerException(LedgerErrorCode.IdempotencyKeyReused, "idempotency key reused with different arguments", "idempotency_key");
        }

        using var document = JsonDocument.Parse(outcome);
        if (document.RootElement.TryGetProperty("error", out var error))
        {
            var stored = error.Deserialize(OutcomeJsonContext.Default.StoredError)!;
            throw new LedgerException(stored.Code, stored.Message, stored.Field, replayed: true);
        }

        result = document.RootElement.GetProperty("ok").Deserialize(outcomeType);
        return true;
    }

    private void StoreOutcome(string account, string key, string fingerprint, string outcome) =>
        _idempotency.Store(account, key, fingerprint, outcome, _nowMs);
}
