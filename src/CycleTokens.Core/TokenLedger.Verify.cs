using CycleTokens.Core.Accounts;
using CycleTokens.Core.Storage;
using CycleTokens.Core.Storage.Sqlite;
using CycleTokens.Core.Verification;
using Microsoft.Data.Sqlite;

namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    private const int MaxProblems = 1000;

    private const string VerifyTxSql = """
        SELECT t.seq, t.id, t.created_ms, t.kind, t.type, t.account, t.operation, t.amount, t.counterparty,
               t.balance_after, t.month_key, t.metadata, t.idempotency_key, t.ref, t.details, t.hash,
               p.account, p.bucket, p.amount
          FROM transactions t LEFT JOIN postings p ON p.tx_seq = t.seq
         ORDER BY t.seq, p.idx
        """;

    private const string VerifyAccountsSql = "SELECT id, kind, balance, allowance, purchased FROM accounts ORDER BY id";

    private const string CountTxSql = "SELECT COUNT(*) FROM transactions";

    private const string IntegrityPrefix = "SQLite integrity check: ";

    private const string OrphanPostingsSql = "SELECT COUNT(*) FROM postings WHERE tx_seq NOT IN (SELECT seq FROM transactions)";

    /// <summary>
    /// Runs SQLite's integrity check over the whole file (every page, index and constraint), then recomputes the hash
    /// chain and every balance from the postings and checks that each transaction and the whole journal sum to zero
    /// and that no user, creator, fab or platform balance is negative. Reports each problem; a damaged file is a
    /// report with problems, not an exception. Reads one snapshot; works on a ledger opened read-only.
    /// </summary>
    public Task<VerificationReport> VerifyAsync(CancellationToken cancellationToken = default) =>
        VerifyAsync(null, cancellationToken);

    /// <summary>As <see cref="VerifyAsync(CancellationToken)"/>, reporting progress in transactions.</summary>
    public Task<VerificationReport> VerifyAsync(IProgress<WorkProgress>? progress, CancellationToken cancellationToken = default) =>
        ReadAsync(null, () => Verify(progress, cancellationToken), cancellationToken);

    private VerificationReport Verify(IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var integrity = IntegrityProblems();
        foreach (var problem in integrity)
        {
            Add(problems, IntegrityPrefix + problem);
        }

        var computed = new Dictionary<(string Account, string Bucket), long>();
        long transactions = 0;
        long accounts = 0;
        long total = 0;
        var chainOk = true;
        try
        {
            Scan();
        }
#pragma warning disable CA1031 // A damaged file is what verification reports: whatever the damage makes the scan throw.
        catch (Exception ex) when (ex is SqliteException { SqliteErrorCode: SQLitePCL.raw.SQLITE_CORRUPT } || (integrity.Count > 0 && ex is not OperationCanceledException))
#pragma warning restore CA1031
        {
            chainOk = false;
            var reason = ex is SqliteException sqlite ? SQLitePCL.raw.sqlite3_errstr(sqlite.SqliteErrorCode).utf8_to_string() : "a stored row cannot be read";
            Add(problems, $"The journal could not be read to its end ({reason}): the file is damaged.");
        }

        return new VerificationReport(problems.Count == 0, transactions, accounts, total, chainOk, problems, integrity.Count == 0);

        void Scan()
        {
            var expected = (long)_db.Command(CountTxSql).ExecuteScalar()!;
            var previous = ChainHash.Genesis;

            TxRow? current = null;
            byte[]? storedHash = null;
            var postings = new List<Posting>();

            void Finish()
            {
                if (current is null)
                {
                    return;
                }

                transactions++;
                if (transactions % 10_000 == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    progress?.Report(new WorkProgress(transactions, expected));
                }

                var hash = ChainHash.Compute(previous, current, postings);
                if (!hash.AsSpan().SequenceEqual(storedHash))
                {
                    chainOk = false;
                    Add(problems, $"Transaction {current.Id} (seq {current.Seq}): stored hash does not match the recomputed chain.");
                }

                var sum = postings.Sum(p => p.Amount);
                if (sum != 0)
                {
                    Add(problems, $"Transaction {current.Id} (seq {current.Seq}): postings sum to {sum}, not 0.");
                }

                foreach (var p in postings)
                {
                    computed[(p.Account, p.Bucket)] = computed.GetValueOrDefault((p.Account, p.Bucket)) + p.Amount;
                    total += p.Amount;
                }

                // Chain onward from the stored hash, so one edited row is reported once rather than for every later row.
                previous = storedHash!;
                postings.Clear();
            }

            using (var reader = _db.Command(VerifyTxSql).ExecuteReader())
            {
                while (reader.Read())
                {
                    var seq = reader.GetInt64(0);
                    if (current is null || current.Seq != seq)
                    {
                        Finish();
                        if (current is not null && seq != current.Seq + 1)
                        {
                            chainOk = false;
                            Add(problems, $"The journal skips from seq {current.Seq} to {seq}: transactions are missing.");
                        }

                        current = new TxRow(
                            seq,
                            reader.GetString(1),
                            reader.GetInt64(2),
                            reader.GetString(3),
                            reader.GetString(4),
                            reader.GetString(5),
                            reader.GetStringOrNull(6),
                            reader.GetInt64(7),
                            reader.GetStringOrNull(8),
                            reader.GetInt64(9),
                            reader.GetInt64(10),
                            reader.GetStringOrNull(11),
                            reader.GetStringOrNull(12),
                            reader.GetStringOrNull(13),
                            reader.GetStringOrNull(14));
                        storedHash = (byte[])reader.GetValue(15);
                    }

                    if (!reader.IsDBNull(16))
                    {
                        postings.Add(new Posting(reader.GetString(16), reader.GetString(17), reader.GetInt64(18)));
                    }
                }
            }

            Finish();
            progress?.Report(new WorkProgress(transactions, expected));

            var orphans = (long)_db.Command(OrphanPostingsSql).ExecuteScalar()!;
            if (orphans > 0)
            {
                Add(problems, $"{orphans} postings belong to no transaction.");
            }

            if (total != 0)
            {
                Add(problems, $"All postings sum to {total}, not 0.");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            using (var reader = _db.Command(VerifyAccountsSql).ExecuteReader())
            {
                while (reader.Read())
                {
                    accounts++;
                    var id = reader.GetString(0);
                    seen.Add(id);
                    var kind = reader.GetString(1);
                    var balance = reader.GetInt64(2);
                    var allowance = reader.GetInt64(3);
                    var purchased = reader.GetInt64(4);
                    if (kind == "user")
                    {
                        Compare(problems, id, "allowance", allowance, computed.GetValueOrDefault((id, Posting.Allowance)));
                        Compare(problems, id, "purchased", purchased, computed.GetValueOrDefault((id, Posting.Purchased)));
                        Compare(problems, id, "balance", balance, allowance + purchased);
                        if (allowance < 0 || purchased < 0)
                        {
                            Add(problems, $"User {id} has a negative part (allowance {allowance}, purchased {purchased}).");
                        }

                        if (computed.ContainsKey((id, Posting.Main)))
                        {
                            Add(problems, $"User {id} has postings outside its allowance and purchased parts.");
                        }
                    }
                    else
                    {
                        Compare(problems, id, "balance", balance, computed.GetValueOrDefault((id, Posting.Main)));
                        if (kind is not ("system") && balance < 0)
                        {
                            Add(problems, $"Account {id} ({kind}) has a negative balance {balance}.");
                        }
                    }

                    if (balance < 0 && kind == "user")
                    {
                        Add(problems, $"User {id} has a negative balance {balance}.");
                    }
                }
            }

            foreach (var account in computed.Keys.Select(k => k.Account).Distinct().Where(a => !seen.Contains(a)))
            {
                Add(problems, $"Account {account} has postings but no stored balance.");
            }
        }
    }

    private static void Compare(List<string> problems, string account, string part, long stored, long computed)
    {
        if (stored != computed)
        {
            Add(problems, $"Account {account}: stored {part} {stored} differs from its postings ({computed}).");
        }
    }

    private static void Add(List<string> problems, string problem)
    {
        if (problems.Count < MaxProblems)
        {
            problems.Add(problem);
        }
    }
}
