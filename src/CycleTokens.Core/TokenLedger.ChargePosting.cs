using System.Text.Json;
using CycleTokens.Core.Accounts;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Events;
using CycleTokens.Core.History;
using CycleTokens.Core.Idempotency;
using CycleTokens.Core.Pricing;
using CycleTokens.Core.Storage;

namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    /// <summary>
    /// Posts a priced charge: debits what pays it (the user's parts, or a reservation's hold), credits the creator the
    /// tier's royalty (rounded half up) and the platform the rest, renews the discount cache entry, and raises
    /// <c>token-spent</c>. The one path of every charge, plain or settling a reservation, so history, usage, the cache
    /// and refunds treat them alike.
    /// </summary>
    private ChargeResult PostCharge(string account, UserRow user, ChargePosting charge)
    {
        var quote = charge.Quote;
        var total = quote.TotalPrice;
        var royalty = Catalog.Tiers[user.Tier].CreatorRoyaltyPct;
        var creatorShare = charge.Creator is null ? 0 : RoundHalfUpDiv(checked(total * royalty), 100);
        var platformShare = total - creatorShare;
        var creatorAccount = charge.Creator is null ? null : AccountNames.Creator(charge.Creator);

        var postings = new List<Posting>(charge.Debit);
        if (creatorAccount is not null)
        {
            postings.Add(new Posting(creatorAccount, Posting.Main, creatorShare));
        }

        postings.Add(new Posting(AccountNames.Platform, Posting.Main, platformShare));
        var details = new ChargeDetails(
            quote.BasePrice, quote.UnitPrice, quote.Cached, quote.Quantity, quote.BatchDiscountPct,
            quote.PricedBy == PricedBy.Default ? "default" : "catalogue", charge.ParamsHash, creatorAccount, creatorShare, platformShare);
        var row = _journal.Append(
            new TxDraft(TransactionKind.Charge.ToWireName(), TransactionType.Debit.ToWireName(), account, quote.Operation, total, creatorAccount ?? AccountNames.Platform, postings)
            {
                Metadata = charge.Metadata,
                IdempotencyKey = charge.IdempotencyKey,
                Ref = charge.Reference,
                Details = JsonSerializer.Serialize(details, OutcomeJsonContext.Default.ChargeDetails),
                Balance = charge.Balance,
            },
            _nowMs,
            charge.MonthKey);
        _discountCache.RecordCharge(account, new CacheKey(quote.Operation, charge.ParamsHash), _nowMs);

        Log.Charged(_logger, account, total, quote.Operation);
        Emit(
            LedgerEventNames.TokenSpent,
            account,
            ("amount", total),
            ("operation", quote.Operation),
            ("transaction_id", row.Id),
            ("creator_id", charge.Creator),
            ("creator_share", creatorShare),
            ("platform_share", platformShare),
            ("balance", row.BalanceAfter));
        return new ChargeResult(
            row.Id, quote.Operation, quote.BasePrice, quote.UnitPrice, quote.Cached, quote.Quantity, quote.BatchDiscountPct, total,
            charge.Creator, creatorShare, platformShare, row.BalanceAfter, quote.PricedBy, _now, Replayed: false)
        { Receipt = Receipt(row) };
    }
}
