using CycleTokens.Core.Accounts;
using CycleTokens.Core.History;
using CycleTokens.Core.Pricing;
using CycleTokens.Core.Storage;
using CycleTokens.Core.Storage.Sqlite;
using CycleTokens.Core.Validation;
using Microsoft.Data.Sqlite;

namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    private const string TxColumns = "seq, id, created_ms, type, kind, operation, amount, counterparty, balance_after, metadata, ref";

    // One statement per combination of filters present (at most 64, each prepared once), each searching the index that
    // fits: (account, operation, seq) or (account, kind, seq) for those filters, else (account, seq). Without statistics
    // SQLite would take (account, seq) and filter, reading the user's whole history for a rare operation; INDEXED BY
    // names the right one.
    private static readonly string?[] HistorySqlByFilters = new string?[64];

    // Administrative rows (API key changes, type admin: see KeyJournal) move no tokens and are no part of an account's
    // token history; every read of it leaves them out, so history, exports and usage show and count what they did before.
    private const string NotAdmin = " AND type <> '" + Keys.KeyJournal.AdminType + "'";

    private const string AllTxSql = "SELECT " + TxColumns + " FROM transactions WHERE account = $account AND seq > $start" + NotAdmin + " ORDER BY seq";

    private const string UsageSql = """
        SELECT t.operation, COUNT(*), SUM(t.amount)
          FROM transactions t
         WHERE t.account = $account AND t.kind IN ('charge', 'spend') AND t.seq > $start
           AND t.created_ms >= $since AND t.created_ms < $until
           AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.charge_id = t.id)
         GROUP BY t.operation
         ORDER BY SUM(t.amount) DESC, t.operation
        """;

    // The newest row that can have moved the balance: walks (account, seq) backwards past any administrative rows.
    private const string PositionSql = "SELECT seq FROM transactions WHERE account = $account" + NotAdmin + " ORDER BY seq DESC LIMIT 1";

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
                var list = new List<TransactionRecord>();
                long lastSeq = 0;
                var command = _db.Command(HistorySql(query))
                    .With("$account", account)
                    .With("$start", user.HistoryStart)
                    .With("$cursor", cursor)
                    .With("$limit", query.Limit + 1);
                BindIfPresent(command, "$type", query.Type?.ToWireName());
                BindIfPresent(command, "$kind", query.Kind?.ToWireName());
                BindIfPresent(command, "$operation", query.Operation);
                BindIfPresent(command, "$after", query.After?.ToUnixTimeMilliseconds());
                BindIfPresent(command, "$before", query.Before?.ToUnixTimeMilliseconds());
                BindIfPresent(command, "$min", query.MinAmount);
                using (var reader = command.ExecuteReader())
                {
                    var more = false;
                    while (reader.Read())
                    {
                        if (list.Count == query.Limit)
                        {
                            // The query asks for one row beyond the page: its presence means there is a next page.
                            more = true;
                            break;
                        }

                        lastSeq = reader.GetInt64(0);
                        list.Add(ReadTx(reader));
                    }

                    return new HistoryPage(list, more ? Cursor.Encode(lastSeq.ToString(System.Globalization.CultureInfo.InvariantCulture)) : null);
                }
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
        return ReadAsync(null, () => (long?)_db.Command(PositionSql).With("$account", account).ExecuteScalar() ?? 0, cancellationToken);
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
            next);
    }

    /// <summary>The history statement for the filters this query sets (parameters of absent filters do not appear).</summary>
    internal static string HistorySql(HistoryQuery query)
    {
        var filters = (query.Type is null ? 0 : 1) | (query.Kind is null ? 0 : 2) | (query.Operation is null ? 0 : 4)
            | (query.After is null ? 0 : 8) | (query.Before is null ? 0 : 16) | (query.MinAmount is null ? 0 : 32);
        return HistorySqlByFilters[filters] ??= BuildHistorySql(filters);
    }

    private static string BuildHistorySql(int filters)
    {
        var index = (filters & 4) != 0 ? " INDEXED BY ix_tx_account_op_seq" : (filters & 2) != 0 ? " INDEXED BY ix_tx_account_kind_seq" : string.Empty;
        var sql = new System.Text.StringBuilder("SELECT " + TxColumns + " FROM transactions" + index + " WHERE account = $account");
        sql.Append((filters & 2) != 0 ? " AND kind = $kind" : string.Empty)
            .Append((filters & 4) != 0 ? " AND operation = $operation" : string.Empty)
            .Append(" AND seq > $start AND seq < $cursor")
            .Append(NotAdmin)
            .Append((filters & 1) != 0 ? " AND type = $type" : string.Empty)
            .Append((filters & 8) != 0 ? " AND created_ms >= $after" : string.Empty)
            .Append((filters & 16) != 0 ? " AND created_ms < $before" : string.Empty)
            .Append((filters & 32) != 0 ? " AND amount >= $min" : string.Empty)
            .Append(" ORDER BY seq DESC LIMIT $limit");
        return sql.ToString();
    }

    private static void BindIfPresent(SqliteCommand command, string name, object? value)
    {
        if (value is not null)
        {
            command.With(name, value);
        }
    }

    /// <summary>Usage in [since, until): from <c>usage_months</c> when the period is whole months, else from the journal.</summary>
    private UsageReport ReadUsage(UserRow user, DateTimeOffset since, DateTimeOffset until)
    {
        if (_usage.TryWholeMonths(since, until, out var from, out var to))
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
        using var reader = _db.Command(UsageSql)
            .With("$account", user.Id)
            .With("$start", user.HistoryStart)
            .With("$since", since.ToUnixTimeMilliseconds())
            .With("$until", until.ToUnixTimeMilliseconds())
            .ExecuteReader();
        while (reader.Read())
        {
            var count = reader.GetInt64(1);
            var tokens = reader.GetInt64(2);
            used += tokens;
            rows.Add(new OperationUsage(reader.GetString(0), count, tokens, RoundHalfUpDiv(tokens, count)));
        }

        return new UsageReport(since, until, used, rows);
    }

    private List<TransactionRecord> AllTransactions(string account)
    {
        var user = LoadUser(account)!;
        var list = new List<TransactionRecord>();
        using var reader = _db.Command(AllTxSql).With("$account", account).With("$start", user.HistoryStart).ExecuteReader();
        while (reader.Read())
        {
            list.Add(ReadTx(reader));
        }

        return list;
    }

    private static TransactionRecord ReadTx(SqliteDataReader r) => new(
        r.GetString(1),
        FromMs(r.GetInt64(2)),
        WireNames.ParseType(r.GetString(3)),
        WireNames.ParseKind(r.GetString(4)),
        r.GetStringOrNull(5),
        r.GetInt64(6),
        r.GetStringOrNull(7),
        r.GetInt64(8),
        r.GetStringOrNull(9),
        r.GetStringOrNull(10));
}
