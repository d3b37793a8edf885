using CycleTokens.Core.Keys;
using CycleTokens.Core.Storage;
using CycleTokens.Core.Validation;

namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
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
    /// <param name="budget">Spend limits, enforced on every debit made with the key (see <see cref="Budgets.Spender"/>).</param>
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
                _apiKeys.Insert(key, hash);
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
                _apiKeys.Revoke(keyId, _nowMs);
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
                _apiKeys.Update(updated);
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

    private ApiKey LoadKey(string keyId) =>
        _apiKeys.Find(keyId) ?? throw LedgerException.NotFound("Key", "key_id", keyId);
}
