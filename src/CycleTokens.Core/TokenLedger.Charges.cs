using System.Text.Json;
using CycleTokens.Core.Accounts;
using CycleTokens.Core.Budgets;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Events;
using CycleTokens.Core.History;
using CycleTokens.Core.Idempotency;
using CycleTokens.Core.Pricing;
using CycleTokens.Core.Storage;
using CycleTokens.Core.Validation;

namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    /// <summary>What a charge with these arguments would cost now (same cache state), without side effects on the price.</summary>
    /// <remarks>Reading creates the user on first use and performs a due month reset, like any touch.</remarks>
    public Task<PriceQuote> EstimateAsync(string account, string operation, JsonElement? parameters = null, int quantity = 1, CancellationToken cancellationToken = default) =>
        EstimateAsync(account, operation, parameters, quantity, MissingUser.Create, cancellationToken);

    /// <summary>As <see cref="EstimateAsync(string, string, JsonElement?, int, CancellationToken)"/>, saying whether a missing user is created or refused.</summary>
    /// <exception cref="LedgerException">The user does not exist and <paramref name="missing"/> is <see cref="MissingUser.Refuse"/> (NotFound; nothing is written).</exception>
    public Task<PriceQuote> EstimateAsync(string account, string operation, JsonElement? parameters, int quantity, MissingUser missing, CancellationToken cancellationToken = default)
    {
        Check.UserAccount(account);
        var op = CheckKnown(Check.OperationName(operation));
        var paramsHash = _paramsHashes.Of(parameters);
        Check.Amount(quantity, "quantity", 1, 1_000_000);
        // One statement reads the user, what is due and the cache entry: that is the whole estimate.
        return ReadAsync(account, () => Quote(LoadUser(account)!, op, paramsHash, quantity), cancellationToken, new CacheKey(op, paramsHash), stateOnly: true, missing: missing);
    }

    /// <summary>Charges a catalogue operation: debits the total and credits creator and platform in one transaction.</summary>
    /// <exception cref="LedgerException">Invalid argument, insufficient tokens, or a key reused with other arguments.</exception>
    public Task<ChargeResult> ChargeAsync(string account, ChargeRequest request, CancellationToken cancellationToken = default) =>
        ChargeAsync(account, request, null, cancellationToken);

    /// <summary>
    /// As <see cref="ChargeAsync(string, ChargeRequest, CancellationToken)"/>, within <paramref name="spender"/>'s budget
    /// (none when null): the charge is counted on its credential's UTC day in the same transaction.
    /// </summary>
    /// <exception cref="LedgerException">
    /// Also BudgetExceeded (above max_per_call or max_per_day; stored as a keyed call's outcome, like a short balance) and
    /// ConfirmationRequired (above confirm_above and not confirmed, or above what was confirmed; never stored, so the
    /// confirmed retry runs). Nothing is written then.
    /// </exception>
    public Task<ChargeResult> ChargeAsync(string account, ChargeRequest request, Spender? spender, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckSpender(spender);
        Check.UserAccount(account);
        var op = CheckKnown(Check.OperationName(request.Operation));
        var paramsHash = _paramsHashes.Of(request.Params);
        var quantity = (int)Check.Amount(request.Quantity, "quantity", 1, 1_000_000);
        var creator = request.CreatorId is null ? null : Check.AccountId(request.CreatorId, "creator_id");
        var metadata = Check.JsonObject(request.Metadata, "metadata");
        var key = Check.IdempotencyKey(request.IdempotencyKey);
        var fingerprint = key is null ? null : Fingerprint.Of("charge", op, paramsHash, quantity, creator, metadata);

        return WriteAsync(
            account,
            () => account,
            key,
            fingerprint,
            OutcomeJsonContext.Default.ChargeResult,
            () =>
            {
                var user = EnsureUser(account);
                var quote = Quote(user, op, paramsHash, quantity);
                var total = quote.TotalPrice;
                var (fromAllowance, fromPurchased) = Draw(user, total);
                CountDebit(spender, "charge", quantity == 1 ? $"charge for {op}" : $"charge for {op} x {quantity}", total, user.Balance - total);
                var crossed = RecordDebit(user, user.Balance - total);
                var charge = PostCharge(account, user, new ChargePosting(quote, paramsHash, creator, metadata, key, DebitUser(account, fromAllowance, fromPurchased), user.MonthKey, Reference: null));
                RaiseLowBalance(crossed, account, charge.BalanceAfter, charge.TransactionId);
                return charge;
            },
            static r => r with { Replayed = true },
            cancellationToken,
            new CacheKey(op, paramsHash));
    }

    /// <summary>Spends a caller-given amount on a named operation (no catalogue price); the platform receives it.</summary>
    /// <exception cref="LedgerException">Invalid argument, insufficient tokens, or a key reused with other arguments.</exception>
    public Task<SpendResult> SpendAsync(string account, long amount, string operation, JsonElement? metadata = null, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        SpendAsync(account, amount, operation, metadata, idempotencyKey, null, cancellationToken);

    /// <summary>
    /// As <see cref="SpendAsync(string, long, string, JsonElement?, string?, CancellationToken)"/>, within
    /// <paramref name="spender"/>'s budget (none when null).
    /// </summary>
    /// <exception cref="LedgerException">Also BudgetExceeded and ConfirmationRequired, as for a charge; nothing is written then.</exception>
    public Task<SpendResult> SpendAsync(string account, long amount, string operation, JsonElement? metadata, string? idempotencyKey, Spender? spender, CancellationToken cancellationToken = default)
    {
        CheckSpender(spender);
        Check.UserAccount(account);
        Check.Amount(amount);
        var op = Check.OperationName(operation);
        var meta = Check.JsonObject(metadata, "metadata");
        var key = Check.IdempotencyKey(idempotencyKey);
        var fingerprint = key is null ? null : Fingerprint.Of("spend", amount, op, meta);

        return WriteAsync(
            account,
            () => account,
            key,
            fingerprint,
            OutcomeJsonContext.Default.SpendResult,
            () =>
            {
                var user = EnsureUser(account);
                var (fromAllowance, fromPurchased) = Draw(user, amount);
                CountDebit(spender, "spend", $"spend on {op}", amount, user.Balance - amount);
                var crossed = RecordDebit(user, user.Balance - amount);
                var postings = DebitUser(account, fromAllowance, fromPurchased);
                postings.Add(new Posting(AccountNames.Platform, Posting.Main, amount));
                var row = _journal.Append(
                    new TxDraft(TransactionKind.Spend.ToWireName(), TransactionType.Debit.ToWireName(), account, op, amount, AccountNames.Platform, postings)
                    {
                        Metadata = meta,
                        IdempotencyKey = key,
                    },
                    _nowMs,
                    user.MonthKey);
                Emit(LedgerEventNames.TokenSpent, account, ("amount", amount), ("operation", op), ("transaction_id", row.Id), ("platform_share", amount), ("balance", row.BalanceAfter));
                RaiseLowBalance(crossed, account, row.BalanceAfter, row.Id);
                return new SpendResult(row.Id, op, amount, row.BalanceAfter, _now, Replayed: false) { Receipt = Receipt(row) };
            },
            static r => r with { Replayed = true },
            cancellationToken);
    }

    private string CheckKnown(string operation)
    {
        if (_options.RejectUnknownOperations && !Catalog.Contains(operation))
        {
            throw new LedgerException(LedgerErrorCode.UnknownOperation, $"operation {Check.Shown(operation)} is not in the price catalogue", "operation");
        }

        return operation;
    }

    /// <summary>Prices a charge: cache discount on the unit price, then the batch discount on the total, rounding up.</summary>
    private PriceQuote Quote(UserRow user, string operation, string paramsHash, int quantity)
    {
        var (basePrice, pricedBy) = Catalog.PriceOf(operation);
        long? last;
        if (_checkedCache is { } c && c.Account == user.Id && c.Key == new CacheKey(operation, paramsHash))
        {
            // Read with the user's state in this snapshot or under this write lock; nothing has written it since.
            _checkedCache = null;
            last = c.LastMs;
        }
        else
        {
            last = _discountCache.LastCharge(user.Id, new CacheKey(operation, paramsHash));
        }

        var cached = last is long lastMs && _nowMs - lastMs < (long)Catalog.CacheWindow.TotalMilliseconds;
        var unit = cached ? CeilDiv(basePrice * Catalog.CachePayPct, 100) : basePrice;
        var batchPct = Catalog.BatchDiscountFor(quantity);
        var total = CeilDiv(checked(unit * quantity * (100 - batchPct)), 100);
        return new PriceQuote(operation, basePrice, unit, cached, cached ? 100 - Catalog.CachePayPct : 0, quantity, batchPct, total, pricedBy, user.Balance);
    }

    private static long CeilDiv(long numerator, long denominator) => (numerator + denominator - 1) / denominator;

    /// <summary>Rounds half up (as JavaScript's Math.round on positive values), unlike Math.Round's default.</summary>
    internal static long RoundHalfUpDiv(long numerator, long denominator) => ((2 * numerator) + denominator) / (2 * denominator);
}
