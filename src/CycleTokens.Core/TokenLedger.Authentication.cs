using CycleTokens.Core.Accounts;
using CycleTokens.Core.Keys;
using CycleTokens.Core.Validation;
using Microsoft.Data.Sqlite;

namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    /// <summary>How finely <see cref="ApiKey.LastUsedAt"/> follows use.</summary>
    internal static readonly TimeSpan LastUseResolution = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Checks a presented secret: the key it belongs to (id, account, role, expiry, budget), or why it is refused
    /// (malformed, unknown, expired, revoked). Expected outcomes are values; this throws only for faults.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The key is read from the file on every call, never cached, so a revocation or expiry committed by any process
    /// sharing the file refuses the very next call. A revoked key is reported revoked even once it has also expired.
    /// </para>
    /// <para>
    /// No timing oracle: the secret is hashed and the key looked up by its hash (a unique index), so no comparison ever
    /// runs over the secret itself, and how long the lookup takes says nothing about how close a guess was.
    /// </para>
    /// <para>
    /// <see cref="ApiKey.LastUsedAt"/> is written at most once a minute per key, not on every call: a write takes the
    /// file's one write lock, which every charge of every process queues for, and an HTTP server authenticates every
    /// request (reads included), so a write per request would put a lock turn in front of every read and double the
    /// writes of every charge. Once a minute per key is a handful of tiny writes, grouped with whatever else this process
    /// writes. The decision is taken on the stored time, so processes sharing the file do not each record every minute.
    /// If the ledger stays busy for the whole busy timeout, or its database becomes unavailable after the key was read,
    /// the use is not recorded and the key still authenticates: a last-used time is not worth refusing a valid credential.
    /// </para>
    /// </remarks>
    /// <param name="secret">The bearer secret as presented (<c>ctk_…</c>).</param>
    /// <param name="cancellationToken">Cancels the wait for the ledger.</param>
    public async Task<KeyAuthentication> AuthenticateAsync(string? secret, CancellationToken cancellationToken = default)
    {
        if (!ApiKeySecret.IsWellFormed(secret))
        {
            return KeyAuthentication.Refused(KeyAuthFailure.Malformed);
        }

        var hash = ApiKeySecret.Hash(secret!);
        var (key, now) = await ReadAsync(null, () => (_apiKeys.FindByHash(hash), _now), cancellationToken);
        if (key is null)
        {
            return KeyAuthentication.Refused(KeyAuthFailure.Unknown);
        }

        if (key.RevokedAt is not null)
        {
            return KeyAuthentication.Refused(KeyAuthFailure.Revoked);
        }

        if (key.ExpiresAt <= now)
        {
            return KeyAuthentication.Refused(KeyAuthFailure.Expired);
        }

        if (key.LastUsedAt is not { } last || now - last >= LastUseResolution)
        {
            key = await RecordUseAsync(key, cancellationToken);
        }

        return KeyAuthentication.Ok(key);
    }

    /// <summary>
    /// Operator only: the keys of one user account, or of every account, oldest first. Never their secrets or hashes.
    /// </summary>
    /// <exception cref="LedgerException">
    /// A malformed account id (InvalidArgument), or an account that does not exist (NotFound; nothing is written, as
    /// for every operator read).
    /// </exception>
    public Task<IReadOnlyList<ApiKey>> ListKeysAsync(string? account = null, CancellationToken cancellationToken = default)
    {
        if (account is null)
        {
            return ReadAsync<IReadOnlyList<ApiKey>>(null, () => _apiKeys.List(null), cancellationToken);
        }

        Check.UserAccount(account);
        return ReadAsync<IReadOnlyList<ApiKey>>(
            account,
            () => _apiKeys.List(account),
            cancellationToken,
            missing: MissingUser.Refuse);
    }

    private async Task<ApiKey> RecordUseAsync(ApiKey key, CancellationToken cancellationToken)
    {
        try
        {
            var usedAt = await WriteAsync(
                null,
                () =>
                {
                    // Only the first authentication in a minute writes.
                    _apiKeys.RecordUse(key.Id, _nowMs, _nowMs - (long)LastUseResolution.TotalMilliseconds);
                    return _now;
                },
                cancellationToken);
            return key with { LastUsedAt = usedAt };
        }
        catch (Exception ex) when (ex is SqliteException { SqliteErrorCode: SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED } or LedgerUnavailableException)
        {
            // Busy for the whole timeout, or (PostgreSQL) the database lost since the key was read: not worth refusing it.
            Log.KeyLastUseSkipped(_logger, key.Id);
            return key;
        }
    }
}
