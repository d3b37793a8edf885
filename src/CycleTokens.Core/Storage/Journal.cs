using CycleTokens.Core.Accounts;
using CycleTokens.Core.Ids;

namespace CycleTokens.Core.Storage;

/// <summary>
/// Appends transactions: applies the postings to the stored balances, writes the row with its chain hash and
/// writes the postings — all inside the caller's write transaction.
/// </summary>
internal sealed class Journal(LedgerDatabase db, IIdGenerator ids)
{
    private const string LastSql = "SELECT seq, hash FROM transactions ORDER BY seq DESC LIMIT 1";

    private const string UserAllowanceSql =
        "UPDATE accounts SET allowance = allowance + $amount, balance = balance + $amount WHERE id = $id";

    private const string UserPurchasedSql =
        "UPDATE accounts SET purchased = purchased + $amount, balance = balance + $amount WHERE id = $id";

    private const string OtherSql = """
        INSERT INTO accounts (id, kind, balance, created_ms) VALUES ($id, $kind, $amount, $now)
        ON CONFLICT (id) DO UPDATE SET balance = balance + excluded.balance
        """;

    private const string BalanceSql = "SELECT balance FROM accounts WHERE id = $id";

    private const string InsertTxSql = """
        INSERT INTO transactions (seq, id, created_ms, kind, type, account, operation, amount, counterparty,
                                  balance_after, month_key, metadata, idempotency_key, ref, details, hash)
        VALUES ($seq, $id, $created, $kind, $type, $account, $operation, $amount, $counterparty,
                $balance_after, $month_key, $metadata, $key, $ref, $details, $hash)
        """;

    private const string InsertPostingSql =
        "INSERT INTO postings (tx_seq, idx, account, bucket, amount) VALUES ($seq, $idx, $account, $bucket, $amount)";

    /// <summary>Appends one transaction and returns its row (id, seq, balance after).</summary>
    internal TxRow Append(TxDraft draft, long nowMs, int monthKey)
    {
        long sum = 0;
        foreach (var posting in draft.Postings)
        {
            sum = checked(sum + posting.Amount);
            if (posting.Amount != 0)
            {
                Apply(posting, nowMs);
            }
        }

        if (sum != 0)
        {
            // A bug, never a business outcome: refuse to write an unbalanced transaction.
            throw new InvalidOperationException("Postings of a transaction must sum to zero.");
        }

        long seq = 1;
        var previous = ChainHash.Genesis;
        using (var reader = db.Command(LastSql).ExecuteReader())
        {
            if (reader.Read())
            {
                seq = reader.GetInt64(0) + 1;
                previous = (byte[])reader.GetValue(1);
            }
        }

        var balanceAfter = (long)db.Command(BalanceSql).With("$id", draft.Account).ExecuteScalar()!;
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
            balanceAfter,
            monthKey,
            draft.Metadata,
            draft.IdempotencyKey,
            draft.Ref,
            draft.Details);
        var postings = draft.Postings.Where(p => p.Amount != 0).ToList();
        var hash = ChainHash.Compute(previous, row, postings);

        db.Command(InsertTxSql)
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
            .ExecuteNonQuery();

        var insertPosting = db.Command(InsertPostingSql);
        for (var i = 0; i < postings.Count; i++)
        {
            insertPosting
                .With("$seq", seq)
                .With("$idx", i)
                .With("$account", postings[i].Account)
                .With("$bucket", postings[i].Bucket)
                .With("$amount", postings[i].Amount)
                .ExecuteNonQuery();
        }

        return row;
    }

    private void Apply(Posting posting, long nowMs)
    {
        var sql = posting.Bucket switch
        {
            Posting.Allowance => UserAllowanceSql,
            Posting.Purchased => UserPurchasedSql,
            _ => OtherSql,
        };
        var command = db.Command(sql).With("$id", posting.Account).With("$amount", posting.Amount);
        if (sql == OtherSql)
        {
            command.With("$kind", AccountNames.KindOf(posting.Account).ToString().ToLowerInvariant()).With("$now", nowMs);
        }

        if (command.ExecuteNonQuery() != 1)
        {
            throw new InvalidOperationException("A posting named a user account that does not exist.");
        }
    }
}
