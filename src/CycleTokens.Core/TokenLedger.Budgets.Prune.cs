using CycleTokens.Core.Budgets;

namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    /// <summary>
    /// Deletes the credentials' daily totals of days before yesterday (UTC): only today's is ever checked against a
    /// limit or shown, and yesterday's is kept for a hold counted on it that is still being given back at midnight.
    /// The server runs this about every hour. Finding nothing to delete is one read.
    /// </summary>
    /// <returns>The number of daily totals deleted.</returns>
    public async Task<int> PruneSpendDaysAsync(CancellationToken cancellationToken = default)
    {
        if (!await ReadAsync(null, () => _spend.AnyBefore(BudgetDays.Of(_nowMs) - 1), cancellationToken))
        {
            return 0;
        }

        return await WriteAsync(null, () => _spend.DeleteBefore(BudgetDays.Of(_nowMs) - 1), cancellationToken);
    }
}
