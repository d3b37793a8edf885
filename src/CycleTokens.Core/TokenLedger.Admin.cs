using System.Text.Json;
using CycleTokens.Core.Accounts;
using CycleTokens.Core.Admin;
using CycleTokens.Core.Events;
using CycleTokens.Core.History;
using CycleTokens.Core.Idempotency;
using CycleTokens.Core.Storage;
using CycleTokens.Core.Validation;

namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    /// <summary>Operator only: credits tokens to the user's purchased part from <c>system:grants</c>.</summary>
    /// <exception cref="LedgerException">Invalid argument or a key reused with other arguments.</exception>
    public Task<GrantResult> GrantAsync(string account, long amount, string source = "grant", JsonElement? metadata = null, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        Check.UserAccount(account);
        Check.Amount(amount);
        Check.OperationName(source, "source");
        var meta = Check.JsonObject(metadata, "metadata");
        var key = Check.IdempotencyKey(idempotencyKey);
        return WriteAsync(
            account,
            () => account,
            key,
            Fingerprint.Of("grant", amount, source, meta),
            OutcomeJsonContext.Default.GrantResult,
            () =>
            {
                var user = EnsureUser(account);
                var row = _journal.Append(
                    new TxDraft(
                        TransactionKind.Grant.ToWireName(),
                        TransactionType.Credit.ToWireName(),
                        account,
                        source,
                        amount,
                        AccountNames.SystemGrants,
                        [new Posting(AccountNames.SystemGrants, Posting.Main, -amount), new Posting(account, Posting.Purchased, amount)])
                    {
                        Metadata = meta,
                        IdempotencyKey = key,
                    },
                    _nowMs,
                    user.MonthKey);
                Emit(LedgerEventNames.TokenAdded, account, ("amount", amount), ("source", source), ("transaction_id", row.Id), ("balance", row.BalanceAfter));
                return new GrantResult(row.Id, account, amount, source, row.BalanceAfter, Replayed: false) { Receipt = Receipt(row) };
            },
            static r => r with { Replayed = true },
            cancellationToken);
    }

    /// <summary>
    /// Operator only: sets the tier. The current allowance expires and the new tier's full allowance is granted
    /// at once; purchased tokens are untouched. Setting the same tier again changes nothing.
    /// </summary>
    public Task<TierChange> SetTierAsync(string account, Tier tier, CancellationToken cancellationToken = default)
    {
        Check.UserAccount(account);
        if (!Enum.IsDefined(tier))
        {
            throw LedgerException.Invalid("tier", "must be one of FREE, PRO, ENTERPRISE", tier.ToString());
        }

        return WriteAsync(
            account,
            () =>
            {
                var user = EnsureUser(account);
                var info = Catalog.Tiers[tier];
                if (user.Tier == tier)
                {
                    return new TierChange(account, tier, info, user.Balance, Changed: false);
                }

                ExpireAllowance(account, user.Allowance, user.MonthKey);
                _users.SetTier(account, tier);
                PostAllowance(account, info.TokensPerMonth, user.MonthKey);
                var balance = LoadUser(account)!.Balance;
                Emit(LedgerEventNames.TierChanged, account, ("old_tier", user.Tier.ToWireName()), ("tier", info.Name), ("allowance", info.TokensPerMonth), ("balance", balance));
                return new TierChange(account, user.Tier, info, balance, Changed: true);
            },
            cancellationToken);
    }

    /// <summary>
    /// Operator only: reverses a charge or spend into the parts it drew from (an allowance part from an ended month
    /// expires instead). A transaction is refunded at most once.
    /// </summary>
    /// <exception cref="LedgerException">Not found, not a charge or spend, already refunded, or a key reused.</exception>
    public Task<RefundResult> RefundAsync(string transactionId, string reason, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        CheckId(transactionId, "transaction_id");
        var why = Check.Text(reason, "reason", 500);
        var key = Check.IdempotencyKey(idempotencyKey);
        (long Seq, string Kind, string Account, int MonthKey, string Counterparty, long CreatedMs, string? Operation, long Amount)? target = null;
        return WriteAsync(
            null,
            () => (target = FindTx(transactionId)).Value.Account,
            key,
            Fingerprint.Of("refund", transactionId, why),
            OutcomeJsonContext.Default.RefundResult,
            () =>
            {
                var (seq, kind, account, monthKey, counterparty, createdMs, operation, amount) = target ?? FindTx(transactionId);
                if (kind != TransactionKind.Charge.ToWireName() && kind != TransactionKind.Spend.ToWireName())
                {
                    throw LedgerException.Invalid("transaction_id", "must name a charge or spend", kind);
                }

                if (_refunds.RefundOf(transactionId) is not null)
                {
                    throw new LedgerException(LedgerErrorCode.AlreadyRefunded, $"Transaction {transactionId} has already been refunded", "transaction_id");
                }

                var user = EnsureUser(account);
                if (seq <= user.HistoryStart)
                {
                    throw LedgerException.NotFound("Transaction", "transaction_id", transactionId);
                }

                var reversed = new List<Posting>();
                long expired = 0;
                foreach (var original in _history.Postings(seq))
                {
                    if (AccountNames.KindOf(original.Account) == AccountKind.Hold)
                    {
                        // A settle's charge was paid from the reservation's hold: it returns to the parts the hold drew.
                        expired += ReverseHoldPayment(original, account, user.MonthKey, reversed);
                        continue;
                    }

                    var posting = original with { Amount = -original.Amount };
                    if (posting.Bucket == Posting.Allowance && monthKey < user.MonthKey)
                    {
                        // That month's allowance is gone: what it paid expires rather than returning.
                        expired += posting.Amount;
                        posting = new Posting(AccountNames.SystemExpired, Posting.Main, posting.Amount);
                    }

                    reversed.Add(posting);
                }

                var refunded = reversed.Where(p => p.Account == account).Sum(p => p.Amount);
                var row = _journal.Append(
                    new TxDraft(TransactionKind.Refund.ToWireName(), TransactionType.Credit.ToWireName(), account, null, refunded, counterparty, reversed)
                    {
                        Metadata = Pricing.CanonicalJson.OfString("reason", why),
                        IdempotencyKey = key,
                        Ref = transactionId,
                        Details = $"{{\"expired\":{expired}}}",
                    },
                    _nowMs,
                    user.MonthKey);
                _refunds.Insert(transactionId, row.Id);
                _usage.Add(account, createdMs, operation!, -1, -amount);
                Emit(LedgerEventNames.TokenAdded, account, ("amount", refunded), ("source", "refund"), ("refunded_transaction_id", transactionId), ("transaction_id", row.Id), ("balance", row.BalanceAfter));
                return new RefundResult(row.Id, transactionId, refunded, expired, row.BalanceAfter, Replayed: false) { Receipt = Receipt(row) };
            },
            static r => r with { Replayed = true },
            cancellationToken);
    }

    /// <summary>
    /// Operator only: resets the account as if new. Held escrows are cancelled and held reservations voided, the balance moves to
    /// <c>system:cleared</c>, the tier becomes FREE with a fresh allowance, the discount cache is emptied and
    /// history starts after the clear. The journal keeps everything.
    /// </summary>
    /// <exception cref="LedgerException"><paramref name="confirm"/> is not exactly <c>clear &lt;account&gt;</c>.</exception>
    public Task<ClearResult> ClearAccountAsync(string account, string confirm, CancellationToken cancellationToken = default)
    {
        Check.UserAccount(account);
        var expected = "clear " + account;
        if (confirm != expected)
        {
            throw LedgerException.Invalid("confirm", $"must equal \"{expected}\"", Check.Shown(confirm));
        }

        return WriteAsync(
            account,
            () =>
            {
                EnsureUser(account);
                var cancelled = CancelAllHeldEscrows(account);
                VoidAllHeldReservations(account);
                var user = LoadUser(account)!;
                var postings = DebitUser(account, user.Allowance, user.Purchased);
                postings.Add(new Posting(AccountNames.SystemCleared, Posting.Main, user.Balance));
                var row = _journal.Append(
                    new TxDraft(TransactionKind.Clear.ToWireName(), TransactionType.Debit.ToWireName(), account, null, user.Balance, AccountNames.SystemCleared, postings),
                    _nowMs,
                    user.MonthKey);
                var month = Math.Max(_months.KeyOf(_now), user.MonthKey);
                _users.Clear(account, month, row.Seq);
                _discountCache.Clear(account);
                _usage.Clear(account);
                PostAllowance(account, Catalog.Tiers[Tier.Free].TokensPerMonth, month);
                var balance = LoadUser(account)!.Balance;
                Emit(LedgerEventNames.DataCleared, account, ("cleared", user.Balance), ("cancelled_escrows", (long)cancelled), ("balance", balance));
                return new ClearResult(account, user.Balance, cancelled, balance);
            },
            cancellationToken);
    }

    /// <summary>Operator only: lists accounts by id, optionally of one kind.</summary>
    public Task<AccountPage> ListAccountsAsync(AccountKind? kind = null, int limit = 100, string? cursor = null, CancellationToken cancellationToken = default)
    {
        Check.Amount(limit, "limit", 1, 1000);
        var after = cursor is null ? string.Empty : Cursor.Decode(cursor);
        return ReadAsync(
            null,
            () =>
            {
                // One beyond the page: its presence means there is a next page.
                var list = _accounts.List(kind, after, limit + 1);
                var more = list.Count > limit;
                if (more)
                {
                    list.RemoveAt(limit);
                }

                return new AccountPage(list, more ? Cursor.Encode(list[^1].Account) : null);
            },
            cancellationToken);
    }

    private (long Seq, string Kind, string Account, int MonthKey, string Counterparty, long CreatedMs, string? Operation, long Amount) FindTx(string transactionId)
    {
        var tx = _history.Find(transactionId) ?? throw LedgerException.NotFound("Transaction", "transaction_id", transactionId);
        return (tx.Seq, tx.Kind, tx.Account, tx.MonthKey, tx.Counterparty ?? AccountNames.Platform, tx.CreatedMs, tx.Operation, tx.Amount);
    }

}
