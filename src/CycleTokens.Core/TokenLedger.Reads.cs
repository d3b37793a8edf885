using CycleTokens.Core.Accounts;
using CycleTokens.Core.History;
using CycleTokens.Core.Pricing;
using CycleTokens.Core.Storage;
using CycleTokens.Core.Validation;

namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    /// <summary>The user's balance with its allowance and purchased parts, escrow holdings and month.</summary>
    /// <remarks>Creates the user on first use and performs a due month reset or escrow expiry first.</remarks>
    public Task<Balance> GetBalanceAsync(string account, CancellationToken cancellationToken = default) =>
        GetBalanceAsync(account, MissingUser.Create, cancellationToken);

    /// <summary>As <see cref="GetBalanceAsync(string, CancellationToken)"/>, saying whether a missing user is created or refused.</summary>
    /// <exception cref="LedgerException">The user does not exist and <paramref name="missing"/> is <see cref="MissingUser.Refuse"/> (NotFound; nothing is written).</exception>
    public Task<Balance> GetBalanceAsync(string account, MissingUser missing, CancellationToken cancellationToken = default)
    {
        Check.UserAccount(account);
        return ReadAsync(account, () => ReadBalance(account), cancellationToken, missing: missing);
    }

    /// <summary>The catalogue's operations, optionally those whose category (or name) starts with a prefix.</summary>
    public IReadOnlyList<CatalogOperation> ListOperations(string? category = null) =>
        category is null
            ? Catalog.Operations
            : Catalog.Operations.Where(o => o.Category == category || o.Operation.StartsWith(category, StringComparison.Ordinal)).ToList();

    /// <summary>A page of the user's history, newest first, after the last clear.</summary>
    public Task<HistoryPage> GetHistoryAsync(string account, HistoryQuery query, CancellationToken cancellationToken = default) =>
        GetHistoryAsync(account, query, MissingUser.Create, cancellationToken);

    /// <summary>As <see cref="GetHistoryAsync(string, HistoryQuery, CancellationToken)"/>, saying whether a missing user is created or refused.</summary>
    /// <exception cref="LedgerException">The user does not exist and <paramref name="missing"/> is <see cref="MissingUser.Refuse"/> (NotFound; nothing is written).</exception>
    public Task<HistoryPage> GetHistoryAsync(string account, HistoryQuery query, MissingUser missing, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        Check.UserAccount(account);
        Check.Amount(query.Limit, "limit", 1, 1000);
        if (query.Operation is not null)
        {
            Check.OperationName(query.Operation);
        }

        if (query.MinAmount is { } min)
        {
            Check.Amount(min, "min_amount", 0, Check.MaxAmount);
        }

        var cursor = query.Cursor is null ? long.MaxValue : Cursor.DecodeSeq(query.Cursor);
        return ReadAsync(
            account,
            () =>
            {
                var user = LoadUser(account)!;
                // One row beyond the page: its presence means there is a next page.
                var rows = _history.Page(account, user.HistoryStart, query, cursor, query.Limit + 1);
                var more = rows.Count > query.Limit;
                var list = rows.Take(query.Limit).Select(r => r.Record).ToList();
                return new HistoryPage(list, more ? Cursor.Encode(rows[query.Limit - 1].Seq.ToString(System.Globalization.CultureInfo.InvariantCulture)) : null);
            },
            cancellationToken,
            missing: missing);
    }

    /// <summary>Tokens used by charges and spends in [since, until), net of refunds; defaults to the current month.</summary>
    public Task<UsageReport> GetUsageAsync(string account, DateTimeOffset? since = null, DateTimeOffset? until = null, CancellationToken cancellationToken = default) =>
        GetUsageAsync(account, since, until, MissingUser.Create, cancellationToken);

    /// <summary>As <see cref="GetUsageAsync(string, DateTimeOffset?, DateTimeOffset?, CancellationToken)"/>, saying whether a missing user is created or refused.</summary>
    /// <exception cref="LedgerException">The user does not exist and <paramref name="missing"/> is <see cref="MissingUser.Refuse"/> (NotFound; nothing is written).</exception>
    public Task<UsageReport> GetUsageAsync(string account, DateTimeOffset? since, DateTimeOffset? until, MissingUser missing, CancellationToken cancellationToken = default)
    {
        Check.UserAccount(account);
        return ReadAsync(
            account,
            () =>
            {
                var user = LoadUser(account)!;
                var from = since ?? _months.StartOf(user.MonthKey);
                var to = until ?? _months.StartOf(user.MonthKey + 1);
                if (to <= from)
                {
                    // Checked on the period in effect, so a lone since past this month's end is refused too.
                    throw until is null
                        ? LedgerException.Invalid("since", "must be before until (default: the start of next month)", from.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"))
                        : LedgerException.Invalid("until", "must be after since", to.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"));
                }

                return ReadUsage(user, from, to);
            },
            cancellationToken,
            missing: missing);
    }

    /// <summary>The user's transactions since the last clear as CSV (RFC 4180, formula cells neutralised), oldest first.</summary>
    public Task<string> ExportCsvAsync(string account, CancellationToken cancellationToken = default) =>
        ExportCsvAsync(account, null, cancellationToken);

    /// <summary>As <see cref="ExportCsvAsync(string, CancellationToken)"/>, reporting progress in rows.</summary>
    public Task<string> ExportCsvAsync(string account, IProgress<WorkProgress>? progress, CancellationToken cancellationToken = default) =>
        ExportCsvAsync(account, MissingUser.Create, progress, cancellationToken);

    /// <summary>As <see cref="ExportCsvAsync(string, IProgress{WorkProgress}?, CancellationToken)"/>, saying whether a missing user is created or refused.</summary>
    /// <exception cref="LedgerException">The user does not exist and <paramref name="missing"/> is <see cref="MissingUser.Refuse"/> (NotFound; nothing is written).</exception>
    public Task<string> ExportCsvAsync(string account, MissingUser missing, IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Check.UserAccount(account);
        return ReadAsync(account, () => CsvExport.Write(AllTransactions(account), progress), cancellationToken, missing: missing);
    }

    /// <summary>Everything held about the user since the last clear.</summary>
    public Task<AccountExport> ExportAccountAsync(string account, CancellationToken cancellationToken = default) =>
        ExportAccountAsync(account, MissingUser.Create, cancellationToken);

    /// <summary>As <see cref="ExportAccountAsync(string, CancellationToken)"/>, saying whether a missing user is created or refused.</summary>
    /// <exception cref="LedgerException">The user does not exist and <paramref name="missing"/> is <see cref="MissingUser.Refuse"/> (NotFound; nothing is written).</exception>
    public Task<AccountExport> ExportAccountAsync(string account, MissingUser missing, CancellationToken cancellationToken = default)
    {
        Check.UserAccount(account);
        return ReadAsync(
            account,
            () =>
            {
                var cached = _discountCache.CountSince(account, _nowMs - (long)Catalog.CacheWindow.TotalMilliseconds);
                return new AccountExport(ReadBalance(account), AllTransactions(account), ListEscrows(account, null), (int)cached);
            },
            cancellationToken,
            missing: missing);
    }

    /// <summary>
    /// The position of the user's latest transaction in the journal (0 when none): it changes whenever anything,
    /// in any process sharing the file, changes the user's balance (administrative rows such as key changes do not
    /// count). Cheap (one index lookup); touches nothing.
    /// </summary>
    public Task<long> GetJournalPositionAsync(string account, CancellationToken cancellationToken = default)
    {
        Check.UserAccount(account);
        return ReadAsync(null, () => _history.LatestPosition(account) ?? 0, cancellationToken);
    }

    /// <summary>Usage counted from the journal whatever the period (tests compare it with <c>usage_months</c>).</summary>
    internal Task<UsageReport> ScanUsageAsync(string account, DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken = default) =>
        ReadAsync(account, () => ScanUsage(LoadUser(account)!, since, until), cancellationToken);

    private Balance ReadBalance(string account)
    {
        var user = LoadUser(account)!;
        var start = _months.StartOf(user.MonthKey);
        var next = _months.StartOf(user.MonthKey + 1);
        return new Balance(
            account,
            user.Balance,
            user.Allowance,
            user.Purchased,
            HeldInEscrow(account),
            Catalog.Tiers[user.Tier],
            ReadUsage(user, start, next).Used,
            start,
            next)
        {
            HeldInReservations = _reservations.HeldTotal(account),
        };
    }

    /// <summary>Usage in [since, until): from <c>usage_months</c> when the period is whole months, else from the journal.</summary>
    private UsageReport ReadUsage(UserRow user, DateTimeOffset since, DateTimeOffset until)
    {
        if (_months.TryWholeMonths(since, until, out var from, out var to))
        {
            var months = _usage.Read(user.Id, from, to);
            return new UsageReport(
                since,
                until,
                months.Sum(m => m.Tokens),
                [.. months.Select(m => new OperationUsage(m.Operation, m.Count, m.Tokens, RoundHalfUpDiv(m.Tokens, m.Count)))]);
        }

        return ScanUsage(user, since, until);
    }

    /// <summary>Usage in [since, until) counted from the journal (any period; what <c>usage_months</c> must agree with).</summary>
    internal UsageReport ScanUsage(UserRow user, DateTimeOffset since, DateTimeOffset until)
    {
        var rows = new List<OperationUsage>();
        long used = 0;
        foreach (var (operation, count, tokens) in _history.UsageByOperation(user.Id, user.HistoryStart, since.ToUnixTimeMilliseconds(), until.ToUnixTimeMilliseconds()))
        {
            used += tokens;
            rows.Add(new OperationUsage(operation, count, tokens, RoundHalfUpDiv(tokens, count)));
        }

        return new UsageReport(since, until, used, rows);
    }

    private List<TransactionRecord> AllTransactions(string account) => _history.All(account, LoadUser(account)!.HistoryStart);
}
