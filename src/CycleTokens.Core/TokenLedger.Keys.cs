using CycleTokens.Core.Keys;
using CycleTokens.Core.Storage;
using CycleTokens.Core.Storage.Sqlite;
using CycleTokens.Core.Validation;
using Microsoft.Data.Sqlite;

namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    private const string ApiKeyColumns = "id, account, role, name, created_ms, expires_ms, revoked_ms, last_used_ms, max_per_call, max_per_day, confirm_above";

    private const string InsertApiKeySql = """
        INSERT INTO api_keys (id, secret_hash, account, role, name, created_ms, expires_ms, max_per_call, max_per_day, confirm_above)
        VALUES ($id, $hash, $account, $role, $name, $now, $expires, $max_per_call, $max_per_day, $confirm_above)
        """;

    private const string FindApiKeySql = "SELECT " + ApiKeyColumns + " FROM api_keys WHERE id = $id";

    private const string RevokeApiKeySql = "UPDATE api_keys SET revoked_ms = $now WHERE id = $id AND revoked_ms IS NULL";

    private const string UpdateApiKeySql = """
        UPDATE api_keys SET name = $name, expires_ms = $expires, max_per_call = $max_per_call, max_per_day = $max_per_day,
                            confirm_above = $confirm_above
         WHERE id = $id
        """;

    /// <summary>
    /// Operator only: issues an API key for <paramref name="account"/> and returns its secret, the one time it exists
    /// outside the caller. The ledger stores the secret's SHA-256 hash, never the secret.
    /// </summary>
    /// <remarks>
    /// Every key, of either role, belongs to a user account, created (tier FREE, with this month's allowance) if it does
    /// not exist, as a grant does. An agent key is bound to that account; an operator key names accounts explicitly and
    /// uses its own only as the default, as <c>serve --operator --account</c> does. The creation is a <c>key_create</c>
    /// row in the journal (no postings, nothing moves). Not keyed: a retry issues a second key.
    /// </remarks>
    /// <param name="account">The user account the key acts for.</param>
    /// <param name="role">Agent (the default) or operator.</param>
    /// <param name="name">An optional label, 1-100 characters.</param>
    /// <param name="expiresInDays">Days until it expires, 1-3650; null for never.</param>
    /// <param name="budget">Spend limits (stored and shown; enforced by a later version).</param>
    /// <param name="cancellationToken">Cancels the wait for the ledger.</param>
    /// <exception cref="LedgerException">An argument breaks its rule (InvalidArgument, naming it); nothing is written.</exception>
    public Task<CreatedKey> CreateKeyAsync(
        string account,
        KeyRole role = KeyRole.Agent,
        string? name = null,
        int? expiresInDays = null,
        KeyBudget? budget = null,
        CancellationToken cancellationToken = default)
    {
        Check.UserAccount(account);
        KeyRules.Role(role);
        KeyRules.Name(name);
        KeyRules.ExpiresInDays(expiresInDays);
        var limits = KeyRules.Budget(budget);
        var secret = ApiKeySecret.Generate();
        var hash = ApiKeySecret.Hash(secret);
        var id = _ids.NewId("key");
        return WriteAsync(
            account,
            () =>
            {
                var user = EnsureUser(account);
                var key = new ApiKey(id, account, role, name, _now, expiresInDays is { } days ? _now.AddDays(days) : null, null, null, limits);
                _db.Command(InsertApiKeySql)
                    .With("$id", id)
                    .With("$hash", hash)
                    .With("$account", account)
                    .With("$role", role.ToWireName())
                    .With("$name", name)
                    .With("$now", _nowMs)
                    .With("$expires", key.ExpiresAt?.ToUnixTimeMilliseconds())
                    .With("$max_per_call", limits.MaxPerCall)
                    .With("$max_per_day", limits.MaxPerDay)
                    .With("$confirm_above", limits.ConfirmAbove)
                    .ExecuteNonQuery();
                AppendKeyEntry(KeyJournal.Create, key, KeyJournal.CreateDetails(key), user.MonthKey);
                return new CreatedKey(secret, key);
            },
            cancellationToken);
    }

    /// <summary>
    /// Operator only: revokes a key. From the commit on, every process sharing the file refuses its secret
    /// (<see cref="AuthenticateAsync"/> reads the key on every call). Recorded as a <c>key_revoke</c> journal row.
    /// </summary>
    /// <remarks>
    /// Idempotent: revoking a revoked key is not an error; it returns the key with its first revocation time and
    /// <see cref="KeyChangeResult.Changed"/> false, and writes nothing.
    /// </remarks>
    /// <exception cref="LedgerException">A malformed id (InvalidArgument) or no such key (NotFound), naming <c>key_id</c>.</exception>
    public Task<KeyChangeResult> RevokeKeyAsync(string keyId, CancellationToken cancellationToken = default)
    {
        CheckId(keyId, "key_id");
        return WriteAsync(
            null,
            () =>
            {
                var key = LoadKey(keyId);
                if (key.RevokedAt is not null)
                {
                    return new KeyChangeResult(key, Changed: false);
                }

                var user = EnsureUser(key.Account);
                _db.Command(RevokeApiKeySql).With("$id", keyId).With("$now", _nowMs).ExecuteNonQuery();
                var revoked = key with { RevokedAt = _now };
                AppendKeyEntry(KeyJournal.Revoke, revoked, null, user.MonthKey);
                return new KeyChangeResult(revoked, Changed: true);
            },
            cancellationToken);
    }

    /// <summary>
    /// Operator only: changes a key's name, expiry or budget; fields not set in <paramref name="changes"/> stay.
    /// Recorded as a <c>key_update</c> journal row with the fields that changed.
    /// </summary>
    /// <remarks>
    /// An expired key may be given a new expiry (it authenticates again); a revoked one cannot be changed. When every
    /// value given is already the key's, nothing is written and <see cref="KeyChangeResult.Changed"/> is false.
    /// </remarks>
    /// <exception cref="LedgerException">
    /// A malformed id or a value breaking its rule, or no change at all (InvalidArgument, naming the field); no such key
    /// (NotFound); a revoked key (KeyRevoked). Nothing is written.
    /// </exception>
    public Task<KeyChangeResult> UpdateKeyAsync(string keyId, KeyChanges changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        CheckId(keyId, "key_id");
        KeyRules.Changes(changes);
        return WriteAsync(
            null,
            () =>
            {
                var key = LoadKey(keyId);
                if (key.RevokedAt is not null)
                {
                    throw new LedgerException(LedgerErrorCode.KeyRevoked, $"Key {keyId} is revoked; a revoked key cannot be changed", "key_id");
                }

                var budget = key.Budget;
                var updated = key with
                {
                    Name = changes.Name.IsSet ? changes.Name.Value : key.Name,
                    ExpiresAt = changes.ExpiresInDays.IsSet ? (changes.ExpiresInDays.Value is { } days ? _now.AddDays(days) : null) : key.ExpiresAt,
                    Budget = new KeyBudget(
                        changes.MaxPerCall.IsSet ? changes.MaxPerCall.Value : budget.MaxPerCall,
                        changes.MaxPerDay.IsSet ? changes.MaxPerDay.Value : budget.MaxPerDay,
                        changes.ConfirmAbove.IsSet ? changes.ConfirmAbove.Value : budget.ConfirmAbove),
                };
                if (updated == key)
                {
                    return new KeyChangeResult(key, Changed: false);
                }

                var user = EnsureUser(key.Account);
                _db.Command(UpdateApiKeySql)
                    .With("$id", keyId)
                    .With("$name", updated.Name)
                    .With("$expires", updated.ExpiresAt?.ToUnixTimeMilliseconds())
                    .With("$max_per_call", updated.Budget.MaxPerCall)
                    .With("$max_per_day", updated.Budget.MaxPerDay)
                    .With("$confirm_above", updated.Budget.ConfirmAbove)
                    .ExecuteNonQuery();
                AppendKeyEntry(KeyJournal.Update, updated, KeyJournal.UpdateDetails(key, updated), user.MonthKey);
                return new KeyChangeResult(updated, Changed: true);
            },
            cancellationToken);
    }

    /// <summary>An administrative journal row: amount 0, no postings, so the account's balance after is its balance.</summary>
    private void AppendKeyEntry(string kind, ApiKey key, string? details, int monthKey) =>
        _journal.Append(
            new TxDraft(kind, KeyJournal.AdminType, key.Account, null, 0, null, [])
            {
                Ref = key.Id,
                Details = details,
            },
            _nowMs,
            monthKey);

    private ApiKey LoadKey(string keyId)
    {
        using var reader = _db.Command(FindApiKeySql).With("$id", keyId).ExecuteReader();
        return reader.Read() ? ReadKey(reader) : throw LedgerException.NotFound("Key", "key_id", keyId);
    }

    /// <summary>A key from the columns of <see cref="ApiKeyColumns"/>, in that order.</summary>
    private static ApiKey ReadKey(SqliteDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        KeyRoles.Parse(r.GetString(2)),
        r.GetStringOrNull(3),
        FromMs(r.GetInt64(4)),
        OptionalTime(r, 5),
        OptionalTime(r, 6),
        OptionalTime(r, 7),
        new KeyBudget(r.GetInt64OrNull(8), r.GetInt64OrNull(9), r.GetInt64OrNull(10)));

    private static DateTimeOffset? OptionalTime(SqliteDataReader r, int ordinal) => r.GetInt64OrNull(ordinal) is { } ms ? FromMs(ms) : null;
}
