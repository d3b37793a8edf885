using CycleTokens.Core.Accounts;
using CycleTokens.Core.Storage;
using CycleTokens.Core.Verification;
using Microsoft.Data.Sqlite;

namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    private const int MaxProblems = 1000;

    private const string IntegrityPrefix = "SQLite integrity check: ";

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
            var expected = _verification.CountTransactions();
            var previous = ChainHash.Genesis;
            TxRow? last = null;
            foreach (var (current, storedHash, postings) in _verification.Journal())
            {
                if (last is not null && current.Seq != last.Seq + 1)
                {
                    chainOk = false;
                    Add(problems, $"The journal skips from seq {last.Seq} to {current.Seq}: transactions are missing.");
                }

                last = current;
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
                previous = storedHash;
            }

            progress?.Report(new WorkProgress(transactions, expected));

            var orphans = _verification.OrphanPostings();
            if (orphans > 0)
            {
                Add(problems, $"{orphans} postings belong to no transaction.");
            }

            if (total != 0)
            {
                Add(problems, $"All postings sum to {total}, not 0.");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (id, kind, balance, allowance, purchased) in _verification.Accounts())
            {
                accounts++;
                seen.Add(id);
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

            // A hold's balance is its reservation's: CheckHolds compares those.
            foreach (var account in computed.Keys.Select(k => k.Account).Distinct().Where(a => !seen.Contains(a) && AccountNames.KindOf(a) != AccountKind.Hold))
            {
                Add(problems, $"Account {account} has postings but no stored balance.");
            }

            CheckHolds(problems, computed);
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
