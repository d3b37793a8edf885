using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// What the answers of <see cref="KeyedLoad"/>s imply, against what the PostgreSQL ledger holds: every call has an
/// answer and was applied as new at most once; each key answered with a result is in the journal exactly once, as
/// that result says (transaction, amount, balance after), and each key refused (or never answered) not at all;
/// every balance is what the answers add up to (users from what the journal granted them); postings sum to zero,
/// per transaction and in all, each stored balance equals its postings, and nothing is overdrawn.
/// </summary>
internal static class KeyedLoadAudit
{
    private static readonly string[] Invariants =
    [
        "SELECT 'postings sum to ' || SUM(amount) FROM postings HAVING SUM(amount) <> 0",
        "SELECT 'transaction ' || tx_seq || ' sums to ' || SUM(amount) FROM postings GROUP BY tx_seq HAVING SUM(amount) <> 0",
        """
        SELECT a.id || ' holds ' || a.balance || ', its postings sum to ' || COALESCE(SUM(p.amount), 0)
          FROM accounts a LEFT JOIN postings p ON p.account = a.id
         GROUP BY a.id, a.balance HAVING a.balance <> COALESCE(SUM(p.amount), 0)
        """,
        """
        SELECT a.id || ': buckets ' || a.allowance || '/' || a.purchased || ' do not match the postings'
          FROM accounts a
         WHERE a.kind = 'user'
           AND (a.allowance <> (SELECT COALESCE(SUM(amount), 0) FROM postings WHERE account = a.id AND bucket = 'allowance')
             OR a.purchased <> (SELECT COALESCE(SUM(amount), 0) FROM postings WHERE account = a.id AND bucket = 'purchased')
             OR a.balance <> a.allowance + a.purchased)
        """,
        "SELECT id || ' is overdrawn: ' || balance FROM accounts WHERE kind IN ('user', 'platform', 'creator', 'fab', 'escrow') AND balance < 0",
        // A hold has no accounts row: its reservation holds its balance.
        """
        SELECT 'hold:' || r.id || ' holds ' || COALESCE(SUM(p.amount), 0) || ' by its postings, its reservation says otherwise'
          FROM reservations r LEFT JOIN postings p ON p.account = 'hold:' || r.id
         GROUP BY r.id, r.status, r.held HAVING COALESCE(SUM(p.amount), 0) <> CASE WHEN r.status = 'held' THEN r.held ELSE 0 END
        """,
    ];

    public static async Task<List<string>> ProblemsAsync(TestPostgresDatabase db, IReadOnlyList<KeyedLoad> loads, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        foreach (var sql in Invariants)
        {
            problems.AddRange((await db.RowsAsync(sql, cancellationToken)).Select(r => (string)r[0]!));
        }

        var journal = (await db.RowsAsync("SELECT id, kind, type, account, amount, balance_after, idempotency_key, ref FROM transactions ORDER BY seq", cancellationToken))
            .Select(r => new Row((string)r[0]!, (string)r[1]!, (string)r[2]!, (string)r[3]!, (long)r[4]!, (long)r[5]!, r[6] as string, r[7] as string))
            .ToList();
        var byKey = journal.Where(r => r.Key is not null).ToLookup(r => r.Key!, StringComparer.Ordinal);
        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        void Add(string account, long amount) => expected[account] = expected.GetValueOrDefault(account) + amount;

        // What users were given outside the loads (allowances, the test's grants), less expired allowance and the
        // test's own spends: every call of a load is keyed, so an unkeyed spend is the test's setup.
        foreach (var row in journal.Where(r => r.Kind is "allowance" or "grant" or "expiry" || (r.Kind == "spend" && r.Key is null)))
        {
            Add(row.Account, row.Kind is "expiry" or "spend" ? -row.Amount : row.Amount);
            if (row.Kind == "spend")
            {
                Add("platform", row.Amount);
            }
        }

        var sent = new HashSet<string>(StringComparer.Ordinal);
        foreach (var call in loads.SelectMany(l => l.Calls.Select(c => (Load: l, Call: c))))
        {
            var key = call.Call.Key;
            sent.Add(key);
            var answers = call.Load.Outcomes(key);
            var rows = byKey[key].ToList();
            if (answers.Count(a => !a.Replayed) > 1)
            {
                problems.Add($"{key} was answered as new {answers.Count(a => !a.Replayed)} times");
            }

            if (answers.Count == 0 || !answers[0].Ok)
            {
                problems.AddRange(rows.Select(r => $"{key} ({call.Call.Tool}) was {(answers.Count == 0 ? "never answered" : "refused")} but is in the journal: {r}"));
                continue;
            }

            if (rows.Count != 1)
            {
                problems.Add($"{key} ({call.Call.Tool}) answered {answers[0].Result} is in the journal {rows.Count} times");
                continue;
            }

            Expect(problems, call.Call, answers[0], rows[0], Add);
        }

        problems.AddRange(byKey.Where(g => !sent.Contains(g.Key)).Select(g => $"the journal holds key {g.Key}, which no call sent"));

        foreach (var (id, kind, balance) in (await db.RowsAsync("SELECT id, kind, balance FROM accounts ORDER BY id", cancellationToken)).Select(r => ((string)r[0]!, (string)r[1]!, (long)r[2]!)))
        {
            if (expected.TryGetValue(id, out var amount) ? balance != amount : kind != "system" && balance != 0)
            {
                problems.Add($"{id} holds {balance}; the answers add up to {expected.GetValueOrDefault(id)}");
            }
        }

        return problems;
    }

    private static void Expect(List<string> problems, KeyedCall call, KeyedOutcome answer, Row row, Action<string, long> add)
    {
        var (kind, type, amount) = call.Tool switch
        {
            "charge_for_operation" => ("charge", "debit", answer.Long("charged")),
            "spend_tokens" => ("spend", "debit", answer.Long("charged")),
            "create_escrow" => ("escrow", "escrow_hold", answer.Long("amount")),
            "release_escrow" => ("escrow", "escrow_release", answer.Long("amount")),
            _ => ("escrow", "escrow_cancel", answer.Long("amount")),
        };
        var named = kind == "escrow" ? row.Ref == answer.Str("escrow_id") : row.Id == answer.Str("transaction_id");
        if (!named || (row.Kind, row.Type, row.Account, row.Amount, row.BalanceAfter) != (kind, type, call.Account, amount, answer.Long("balance_after")))
        {
            problems.Add($"{call.Key}: answered {answer.Result}, but its journal row is {row}");
        }

        switch (call.Tool)
        {
            case "charge_for_operation":
                if (answer.Long("creator_share") + answer.Long("platform_share") != amount)
                {
                    problems.Add($"{call.Key}: the shares do not add up to {amount}");
                }

                add(call.Account, -amount);
                add("platform", answer.Long("platform_share"));
                break;
            case "spend_tokens":
                add(call.Account, -amount);
                add("platform", amount);
                break;
            case "create_escrow":
                add(call.Account, -amount);
                add("escrow:" + answer.Str("escrow_id"), amount);
                break;
            case "release_escrow":
                add("escrow:" + answer.Str("escrow_id"), -amount);
                add("fab:" + answer.Str("fab_id"), amount);
                break;
            default:
                add("escrow:" + answer.Str("escrow_id"), -amount);
                add(call.Account, amount);
                break;
        }
    }

    private sealed record Row(string Id, string Kind, string Type, string Account, long Amount, long BalanceAfter, string? Key, string? Ref);
}
