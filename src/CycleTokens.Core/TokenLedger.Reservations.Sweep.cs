using CycleTokens.Core.Events;
using CycleTokens.Core.Validation;

namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    /// <summary>
    /// Expires every held reservation past its expiry, whoever it belongs to, so holds return even when nothing touches
    /// their account (the server runs this about every 20 seconds). Each write transaction brings at most
    /// <paramref name="accountsPerBatch"/> users up to date, exactly as any touch of them would (month reset, expired
    /// escrows and reservations), so a backlog never holds the write lock for long. Finding nothing due is one read.
    /// </summary>
    /// <returns>The number of reservations expired.</returns>
    public async Task<int> ExpireDueReservationsAsync(int accountsPerBatch = 64, CancellationToken cancellationToken = default)
    {
        Check.Amount(accountsPerBatch, "accounts_per_batch", 1, 10_000);
        if (!await ReadAsync(null, () => _reservations.AnyDue(_nowMs), cancellationToken))
        {
            return 0;
        }

        var total = 0;
        while (true)
        {
            var (expired, full) = await WriteAsync(
                null,
                () =>
                {
                    var accounts = _reservations.DueAccounts(_nowMs, accountsPerBatch);
                    foreach (var account in accounts)
                    {
                        EnsureUser(account);
                    }

                    return (_pending.Count(e => e.Name == LedgerEventNames.ReservationExpired), accounts.Count == accountsPerBatch);
                },
                cancellationToken);
            total += expired;
            // A full batch may have left more behind; one that expired nothing would only repeat itself.
            if (!full || expired == 0)
            {
                break;
            }
        }

        if (total > 0)
        {
            Log.ReservationsSwept(_logger, total);
        }

        return total;
    }
}
