using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using CycleTokens.Core.Events;
using CycleTokens.Core.Idempotency;
using CycleTokens.Core.Storage;

namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    private const string FindKeySql = "SELECT fingerprint, outcome FROM idempotency WHERE account = $account AND key = $key";

    private const string StoreKeySql = """
        INSERT INTO idempotency (account, key, fingerprint, outcome, created_ms)
        VALUES ($account, $key, $fingerprint, $outcome, $now)
        """;

    /// <summary>
    /// Runs a write in one BEGIN IMMEDIATE transaction. With a key: a stored outcome is replayed (a changed
    /// fingerprint fails), and the new outcome — result or business failure — is stored with the effects.
    /// </summary>
    /// <remarks>
    /// A due month reset or escrow expiry of an existing user is the ledger's own work, owed whatever the call's
    /// outcome: it is performed first, under the same lock, and the call runs after a savepoint, so a failing call is
    /// rolled back to that savepoint and the due work is still committed — a failing call neither undoes it nor reports
    /// a state the file does not hold (e.g. "not held (status: cancelled)" for an escrow still held on disk). A new user
    /// is created inside the call, so a failing first call leaves no trace.
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
        CacheKey? cache = null)
    {
        await _gate.WaitAsync(cancellationToken);
        var events = new List<LedgerEvent>();
        try
        {
            StartClock();
            _pending.Clear();
            _db.BeginWrite();
            var owed = false;
            List<LedgerEvent> due = [];
            try
            {
                if (touch is not null)
                {
                    owed = PerformDueWork(touch, cache);
                    due = TakePending();
                }

                // Only a call whose failure must keep something (its key's outcome, the due work) needs the savepoint.
                var savepoint = key is not null || owed;
                if (savepoint)
                {
                    _db.SetSavepoint();
                }

                var account = key is null ? null : scope();
                if (key is not null && TryReplay(account!, key, fingerprint!, outcomeType, out var replayed))
                {
                    Conclude(owed);
                    events.AddRange(due);
                    return asReplayed(replayed!);
                }

                T result;
                try
                {
                    result = body();
                }
                catch (LedgerException failure) when (key is not null)
                {
                    // Undo the effects, keep the failure as the key's outcome (and the due work).
                    _db.RollbackToSavepoint();
                    _pending.Clear();
                    var error = JsonSerializer.Serialize(new StoredError(failure.Code, failure.Field, failure.Message), OutcomeJsonContext.Default.StoredError);
                    StoreOutcome(account!, key, fingerprint!, "{\"error\":" + error + "}");
                    _db.Commit();
                    events.AddRange(due);
                    throw;
                }

                if (key is not null)
                {
                    StoreOutcome(account!, key, fingerprint!, "{\"ok\":" + JsonSerializer.Serialize(result, outcomeType) + "}");
                }

                _db.Commit();
                events.AddRange(due);
                events.AddRange(TakePending());
                return result;
            }
            catch (LedgerException) when (owed && _db.InTransaction)
            {
                // A business failure (or a reused key): undo the call, commit the due work.
                _db.RollbackToSavepoint();
                _pending.Clear();
                _db.Commit();
                events.AddRange(due);
                throw;
            }
            catch
            {
                _db.Rollback();
                _pending.Clear();
                throw;
            }
        }
        finally
        {
            _checkedUser = null;
            _checkedCache = null;
            _gate.Release();
            Raise(events);
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
    private async Task<T> ReadAsync<T>(string? touch, Func<T> body, CancellationToken cancellationToken, CacheKey? cache = null, bool stateOnly = false)
    {
        await _gate.WaitAsync(cancellationToken);
        var events = new List<LedgerEvent>();
        try
        {
            StartClock();
            if (stateOnly && touch is not null)
            {
                if (!IsCurrent(touch, cache))
                {
                    events.AddRange(Touch(touch));
                    IsCurrent(touch, cache);
                }

                return body();
            }

            _db.BeginRead();
            try
            {
                if (touch is not null && !IsCurrent(touch, cache))
                {
                    _db.Rollback();
                    events.AddRange(Touch(touch));
                    _db.BeginRead();
                }

                var result = body();
                _db.Commit();
                return result;
            }
            catch
            {
                _db.Rollback();
                throw;
            }
        }
        finally
        {
            _snapshotUser = null;
            _checkedCache = null;
            _gate.Release();
            Raise(events);
        }
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
        string storedFingerprint;
        string outcome;
        using (var reader = _db.Command(FindKeySql).With("$account", account).With("$key", key).ExecuteReader())
        {
            if (!reader.Read())
            {
                return false;
            }

            storedFingerprint = reader.GetString(0);
            outcome = reader.GetString(1);
        }

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
        _db.Command(StoreKeySql)
            .With("$account", account)
            .With("$key", key)
            .With("$fingerprint", fingerprint)
            .With("$outcome", outcome)
            .With("$now", _nowMs)
            .ExecuteNonQuery();
}
