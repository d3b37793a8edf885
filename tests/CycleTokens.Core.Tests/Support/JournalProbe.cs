using System.Data;
using System.Data.Common;

namespace CycleTokens.Core.Tests.Support;

/// <summary>One stored account as the file holds it.</summary>
internal sealed record ProbedAccount(string Id, string Kind, long Balance, long Allowance, long Purchased, string? Tier, long? MonthKey);

/// <summary>
/// Reads the ledger file behind the engine's back and checks the double-entry invariants. <see cref="Advance"/>
/// reads only what was committed since its last call (so it is cheap enough to run after every step) and keeps
/// running sums of the postings; <see cref="FullCheck"/> recomputes everything with plain SQL.
/// </summary>
internal sealed class JournalProbe : IDisposable
{
    private const string NewRowsSql = """
        SELECT t.seq, p.account, p.bucket, p.amount
          FROM transactions t LEFT JOIN postings p ON p.tx_seq = t.seq
         WHERE t.seq > $last
         ORDER BY t.seq, p.idx
        """;

    // A reservation's hold has no accounts row: the file holds its balance in the reservation, the tokens held while it
    // is held and none once it ended. It is read as an account with that balance, checked against its postings like any.
    private const string AccountsSql = """
        SELECT id, kind, balance, allowance, purchased, tier, month_key FROM accounts
        UNION ALL
        SELECT 'hold:' || id, 'hold', CASE WHEN status = 'held' THEN held ELSE 0 END, 0, 0, NULL, NULL FROM reservations
        """;

    private static readonly string[] FullChecks =
    [
        "SELECT COALESCE(SUM(amount), 0) FROM postings",
        "SELECT COUNT(*) FROM (SELECT tx_seq FROM postings GROUP BY tx_seq HAVING SUM(amount) <> 0) AS unbalanced",
        "SELECT COUNT(*) FROM postings WHERE tx_seq NOT IN (SELECT seq FROM transactions)",
        "SELECT COUNT(*) FROM postings WHERE account NOT IN (SELECT id FROM accounts) AND account NOT IN (SELECT 'hold:' || id FROM reservations)",
        "SELECT COUNT(*) FROM accounts WHERE kind = 'hold'",
        """
        SELECT COUNT(*) FROM reservations r
         WHERE CASE WHEN r.status = 'held' THEN r.held ELSE 0 END
               <> (SELECT COALESCE(SUM(p.amount), 0) FROM postings p WHERE p.account = 'hold:' || r.id AND p.bucket = 'main')
            OR r.held < 0
            OR EXISTS (SELECT 1 FROM postings p WHERE p.account = 'hold:' || r.id AND p.bucket <> 'main')
        """,
        """
        SELECT COUNT(*) FROM accounts a
         WHERE a.kind = 'user'
           AND (a.allowance <> (SELECT COALESCE(SUM(p.amount), 0) FROM postings p WHERE p.account = a.id AND p.bucket = 'allowance')
             OR a.purchased <> (SELECT COALESCE(SUM(p.amount), 0) FROM postings p WHERE p.account = a.id AND p.bucket = 'purchased')
             OR a.balance <> a.allowance + a.purchased
             OR EXISTS (SELECT 1 FROM postings p WHERE p.account = a.id AND p.bucket NOT IN ('allowance', 'purchased')))
        """,
        """
        SELECT COUNT(*) FROM accounts a
         WHERE a.kind <> 'user'
           AND (a.balance <> (SELECT COALESCE(SUM(p.amount), 0) FROM postings p WHERE p.account = a.id AND p.bucket = 'main')
             OR EXISTS (SELECT 1 FROM postings p WHERE p.account = a.id AND p.bucket <> 'main'))
        """,
        """
        SELECT COUNT(*) FROM accounts
         WHERE kind IN ('user', 'creator', 'fab', 'platform', 'escrow') AND (balance < 0 OR allowance < 0 OR purchased < 0)
        """,
    ];

    private readonly DbConnection _connection;
    private readonly Dictionary<(string Account, string Bucket), long> _sums = [];
    private long _total;

    public JournalProbe(string path)
    {
        Path = path;
        _connection = TestDb.Open(path);
    }

    public string Path { get; }

    /// <summary>The highest transaction seq read so far (the number of transactions, as seq has no gaps).</summary>
    public long LastSeq { get; private set; }

    /// <summary>Every stored account as of the last <see cref="Advance"/>.</summary>
    public IReadOnlyDictionary<string, ProbedAccount> Accounts { get; private set; } = new Dictionary<string, ProbedAccount>();

    /// <summary>
    /// Reads the transactions committed since the last call and all accounts in one snapshot. Returns the problems
    /// found: a gap in seq, a transaction whose postings do not sum to zero, a stored balance or bucket that
    /// differs from its postings, a posting to an account with no row, a negative user, creator, fab, platform or
    /// escrow balance, or a journal that does not sum to zero.
    /// </summary>
    public List<string> Advance()
    {
        var problems = new List<string>();
        using var transaction = _connection.BeginTransaction(IsolationLevel.RepeatableRead);
        ReadNewTransactions(transaction, problems);
        var accounts = ReadAccounts(transaction);
        transaction.Commit();

        if (_total != 0)
        {
            problems.Add($"all postings sum to {_total}, not 0");
        }

        foreach (var a in accounts.Values)
        {
            if (a.Kind == "user")
            {
                Compare(problems, a.Id, "allowance", a.Allowance, _sums.GetValueOrDefault((a.Id, "allowance")));
                Compare(problems, a.Id, "purchased", a.Purchased, _sums.GetValueOrDefault((a.Id, "purchased")));
                Compare(problems, a.Id, "balance (= allowance + purchased)", a.Balance, a.Allowance + a.Purchased);
                if (a.Allowance < 0 || a.Purchased < 0 || a.Balance < 0)
                {
                    problems.Add($"user {a.Id} is negative (allowance {a.Allowance}, purchased {a.Purchased})");
                }
            }
            else
            {
                Compare(problems, a.Id, "balance", a.Balance, _sums.GetValueOrDefault((a.Id, "main")));
                if (a.Kind != "system" && a.Balance < 0)
                {
                    problems.Add($"{a.Kind} account {a.Id} has a negative balance {a.Balance}");
                }
            }
        }

        foreach (var ((account, bucket), sum) in _sums)
        {
            if (!accounts.TryGetValue(account, out var row))
            {
                problems.Add($"account {account} has postings ({bucket} {sum}) but no row");
            }
            else if ((row.Kind == "user") == (bucket == "main"))
            {
                problems.Add($"{row.Kind} account {account} has postings in bucket '{bucket}'");
            }
        }

        Accounts = accounts;
        return problems;
    }

    /// <summary>Recomputes every invariant from scratch with SQL; returns the queries that found violations.</summary>
    public List<string> FullCheck()
    {
        var problems = new List<string>();
        foreach (var sql in FullChecks)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            var found = Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            if (found != 0)
            {
                problems.Add($"{found} from: {sql.ReplaceLineEndings(" ")}");
            }
        }

        return problems;
    }

    public void Dispose() => _connection.Dispose();

    private void ReadNewTransactions(DbTransaction transaction, List<string> problems)
    {
        using var command = TestDb.Command(_connection, NewRowsSql, ("$last", LastSeq));
        command.Transaction = transaction;
        using var reader = command.ExecuteReader();
        long current = -1;
        long sum = 0;
        while (reader.Read())
        {
            var seq = reader.GetInt64(0);
            if (seq != current)
            {
                FinishTransaction(current, sum, problems);
                if (seq != LastSeq + 1)
                {
                    problems.Add($"the journal skips from seq {LastSeq} to {seq}");
                }

                current = seq;
                LastSeq = seq;
                sum = 0;
            }

            if (!reader.IsDBNull(1))
            {
                var amount = reader.GetInt64(3);
                var key = (reader.GetString(1), reader.GetString(2));
                _sums[key] = _sums.GetValueOrDefault(key) + amount;
                _total += amount;
                sum += amount;
            }
        }

        FinishTransaction(current, sum, problems);
    }

    private Dictionary<string, ProbedAccount> ReadAccounts(DbTransaction transaction)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = AccountsSql;
        using var reader = command.ExecuteReader();
        var accounts = new Dictionary<string, ProbedAccount>(StringComparer.Ordinal);
        while (reader.Read())
        {
            accounts[reader.GetString(0)] = new ProbedAccount(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetInt64(2),
                reader.GetInt64(3),
                reader.GetInt64(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetInt64(6));
        }

        return accounts;
    }

    private static void FinishTransaction(long seq, long sum, List<string> problems)
    {
        if (seq >= 0 && sum != 0)
        {
            problems.Add($"the postings of transaction seq {seq} sum to {sum}, not 0");
        }
    }

    private static void Compare(List<string> problems, string account, string part, long stored, long computed)
    {
        if (stored != computed)
        {
            problems.Add($"account {account}: stored {part} {stored} differs from its postings ({computed})");
        }
    }
}
