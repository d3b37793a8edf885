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
    /// outcome: it is committed first, so a failing call neither undoes it nor reports a state the file does not hold
    /// (e.g. "not held (status: cancelled)" for an escrow still held on disk). A new user is created inside the call's
    /// transaction, so a failing first call leaves no trace.
    /// </remarks>
    private async Task<T> WriteAsync<T>(
        string? touch,
        Func<string> scope,
        string? key,
        string? fingerprint,
        JsonTypeInfo<T> outcomeType,
        Func<T> body,
        Func<T, T> asReplayed,
        CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        var events = new List<LedgerEvent>();
        try
        {
            StartClock();
            if (touch is not null)
            {
                events.AddRange(Touch(touch, createIfMissing: false));
            }

            _db.BeginWrite();
            try
            {
                var account = key is null ? null : scope();
                if (key is not null && TryReplay(account!, key, fingerprint!, outcomeType, out var replayed))
                {
                    _db.Rollback();
                    return asReplayed(replayed!);
                }

                _db.SetSavepoint();
                T result;
                try
                {
                    result = body();
                }
                catch (LedgerException failure) when (key is not null)
                {
                    // Undo the effects, keep the failure as the key's outcome.
                    _db.RollbackToSavepoint();
                    _pending.Clear();
                    var error = JsonSerializer.Serialize(new StoredError(failure.Code, failure.Field, failure.Message), OutcomeJsonContext.Default.StoredError);
                    StoreOutcome(account!, key, fingerprint!, "{\"error\":" + error + "}");
                    _db.Commit();
                    throw;
                }

                if (key is not null)
                {
                    StoreOutcome(account!, key, fingerprint!, "{\"ok\":" + JsonSerializer.Serialize(result, outcomeType) + "}");
                }

                _db.Commit();
                events.AddRange(TakePending());
                return result;
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
            _gate.Release();
            Raise(events);
        }
    }

    /// <summary>Write without a key (tier, completion, clear: idempotent by nature).</summary>
    private Task<T> WriteAsync<T>(string? touch, Func<T> body, CancellationToken cancellationToken) =>
        WriteAsync(touch, static () => string.Empty, null, null, null!, body, static r => r, cancellationToken);

    /// <summary>
    /// Runs a read in one snapshot. When the account needs creating, its lazy month reset or an escrow expiry,
    /// that write happens first in its own transaction.
    /// </summary>
    private async Task<T> ReadAsync<T>(string? touch, Func<T> body, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        var events = new List<LedgerEvent>();
        try
        {
            StartClock();
            if (touch is not null)
            {
                events.AddRange(Touch(touch, createIfMissing: true));
            }

            _db.BeginRead();
            try
            {
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
            _gate.Release();
            Raise(events);
        }
    }

    /// <summary>Performs a due account creation, month reset or escrow expiry in its own transaction; returns its events.</summary>
    private List<LedgerEvent> Touch(string account, bool createIfMissing)
    {
        _pending.Clear();
        if (!NeedsTouch(account, createIfMissing))
        {
            return [];
        }

        _db.BeginWrite();
        try
        {
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
