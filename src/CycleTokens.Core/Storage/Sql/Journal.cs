using CycleTokens.Core.Accounts;
using CycleTokens.Core.Ids;

namespace CycleTokens.Core.Storage.Sql;

/// <summary>
/// Appends transactions: applies the postings to the stored balances, writes the row with its chain hash, writes the
/// postings and counts charges and spends in <see cref="UsageMonths"/> — all inside the caller's write transaction.
/// </summary>
/// <remarks>
/// A reservation's hold (<c>hold:&lt;id&gt;</c>) has no row in <c>accounts</c>: its balance is its reservation's, the
/// tokens held while it is held and none once it ended, so the engine keeps it there, in the row a reserve writes and
/// its end updates anyway. A second copy cost every reserve, settle and void a statement and pages of its own.
/// Verification checks each hold's postings against its reservation.
/// </remarks>
internal sealed class Journal(ISqlSession db, IIdGenerator ids, IUsageStore usage) : IJournalStore
{
    // The last row this connection appended, so the next append need not read it back: valid in the same write
    // transaction with nothing undone since, or after that transaction's commit while no other connection has written.
    private long _tailSeq;
    private byte[]? _tailHash;
    private long _tailWrite;
    private long _tailUndos;

    private const string LastSql = "SELECT seq, hash FROM transactions ORDER BY seq DESC LIMIT 1";

    // Both buckets of a user in one statement, which also gives the balance after.
    private const string UserSql = """
        UPDATE accounts SET allowance = allowance + $allowance, purchased = purchased + $purchased,
                            balance = balance + $allowance + $purchased
         WHERE id = $id
        RETURNING balance
        """;

    private const string OtherSql = """
        INSERT INTO accounts (id, kind, balance, created_ms) VALUES ($id, $kind, $amount, $now)
        ON CONFLICT (id) DO UPDATE SET balance = accounts.balance + excluded.balance
        """;

    private const string BalanceSql = "SELECT balance FROM accounts WHERE id = $id";

    private const string InsertTxSql = """
        INSERT INTO transactions (seq, id, created_ms, kind, type, account, operation, amount, counterparty,
                                  balance_after, month_key, metadata, idempotency_key, ref, details, hash)
        VALUES ($seq, $id, $created, $kind, $type, $account, $operation, $amount, $counterparty,
                $balance_after, $month_key, $metadata, $key, $ref, $details, $hash)
        """;

    // All postings of a transaction in one statement: INSERT ... VALUES (...), (...) for 1..MaxBatch rows.
    private const int MaxBatch = 8;

    private static readonly string[] InsertPostingsSql = [.. Enumerable.Range(0, MaxBatch + 1).Select(PostingsSql)];

    private static readonly string[][] PostingNames = [.. Enumerable.Range(0, MaxBatch).Select(i => new[] { $"$a{i}", $"$b{i}", $"$m{i}" })];

    /// <inheritdoc />
    public TxRow Append(TxDraft draft, long nowMs, int monthKey)
    {
        var postings = Posting.Balanced(draft.Postings);
        // The tail first: on PostgreSQL the balances' upserts then wait, with the row's inserts, for one round trip.
        var (seq, previous) = Tail();
        var balanceAfter = Apply(postings, draft.Account, nowMs);

        balanceAfter ??= draft.Balance ?? (long)db.Command(BalanceSql).With("$id", draft.Account).ExecuteScalar()!;
        var row = new TxRow(
            seq,
            ids.NewId("tx"),
            nowMs,
            draft.Kind,
            draft.Type,
            draft.Account,
            draft.Operation,
            draft.Amount,
            draft.Counterparty,
            balanceAfter.Value,
            monthKey,
            draft.Metadata,
            draft.IdempotencyKey,
            draft.Ref,
            draft.Details);
        var hash = ChainHash.Compute(previous, row, postings);

        db.Later(InsertTxSql)
            .With("$seq", row.Seq)
            .With("$id", row.Id)
            .With("$created", row.CreatedMs)
            .With("$kind", row.Kind)
            .With("$type", row.Type)
            .With("$account", row.Account)
            .With("$operation", row.Operation)
            .With("$amount", row.Amount)
            .With("$counterparty", row.Counterparty)
            .With("$balance_after", row.BalanceAfter)
            .With("$month_key", row.MonthKey)
            .With("$metadata", row.Metadata)
            .With("$key", row.IdempotencyKey)
            .With("$ref", row.Ref)
            .With("$details", row.Details)
            .With("$hash", hash)
            .DeferIn(db);

        InsertPostings(seq, postings);
        if (row.Kind is "charge" or "spend")
        {
            usage.Add(row.Account, nowMs, row.Operation!, 1, row.Amount);
        }

        (_tailSeq, _tailHash, _tailWrite, _tailUndos) = (seq, hash, db.WriteNumber, db.Undos);
        return row with { Hash = hash, Postings = postings };
    }

    /// <summary>The next row's seq and the hash it chains to.</summary>
    private (long Seq, byte[] Previous) Tail()
    {
        if (_tailHash is not null && _tailUndos == db.Undos
            && (_tailWrite == db.WriteNumber || (_tailWrite == db.CommittedWrite && db.UnchangedSinceLastCommit())))
        {
            return (_tailSeq + 1, _tailHash);
        }

        using var reader = db.Command(LastSql).ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0) + 1, (byte[])reader.GetValue(1)) : (1, ChainHash.Genesis);
    }

    /// <summary>Applies the postings to the stored balances; returns the balance of <paramref name="account"/> if it was a user posted to.</summary>
    private long? Apply(List<Posting> postings, string account, long nowMs)
    {
        long? balance = null;
        for (var i = 0; i < postings.Count; i++)
        {
            var posting = postings[i];
            if (posting.Bucket is not (Posting.Allowance or Posting.Purchased))
            {
                var kind = AccountNames.KindOf(posting.Account);
                if (kind == AccountKind.Hold)
                {
                    continue; // its reservation's row is its balance
                }

                db.Later(OtherSql)
                    .With("$id", posting.Account)
                    .With("$amount", posting.Amount)
                    .With("$kind", kind.ToString().ToLowerInvariant())
                    .With("$now", nowMs)
                    .DeferIn(db);
                continue;
            }

            if (postings.Take(i).Any(p => p.Account == posting.Account && p.Bucket is Posting.Allowance or Posting.Purchased))
            {
                continue; // this user's buckets were applied with its first posting
            }

            long allowance = 0;
            long purchased = 0;
            foreach (var p in postings.Skip(i).Where(p => p.Account == posting.Account))
            {
                if (p.Bucket == Posting.Allowance)
                {
                    allowance = checked(allowance + p.Amount);
                }
                else if (p.Bucket == Posting.Purchased)
                {
                    purchased = checked(purchased + p.Amount);
                }
            }

            var after = db.Command(UserSql).With("$id", posting.Account).With("$allowance", allowance).With("$purchased", purchased).ExecuteScalar()
                ?? throw new InvalidOperationException("A posting named a user account that does not exist.");
            if (posting.Account == account)
            {
                balance = (long)after;
            }
        }

        return balance;
    }

    private void InsertPostings(long seq, List<Posting> postings)
    {
        for (var start = 0; start < postings.Count; start += MaxBatch)
        {
            var count = Math.Min(MaxBatch, postings.Count - start);
            var command = db.Later(InsertPostingsSql[count]).With("$seq", seq);
            for (var i = 0; i < count; i++)
            {
                var posting = postings[start + i];
                var names = PostingNames[i];
                command.With(names[0], posting.Account).With(names[1], posting.Bucket).With(names[2], posting.Amount);
            }

            command.With("$idx", (long)start).DeferIn(db);
        }
    }

    private static string PostingsSql(int count) =>
        "INSERT INTO postings (tx_seq, idx, account, bucket, amount) VALUES "
        + string.Join(", ", Enumerable.Range(0, count).Select(i => $"($seq, $idx + {i}, $a{i}, $b{i}, $m{i})"));
}
