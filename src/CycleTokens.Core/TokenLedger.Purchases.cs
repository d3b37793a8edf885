using CycleTokens.Core.Accounts;
using CycleTokens.Core.Events;
using CycleTokens.Core.History;
using CycleTokens.Core.Idempotency;
using CycleTokens.Core.Purchases;
using CycleTokens.Core.Storage;
using CycleTokens.Core.Validation;

namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    private const long MaxPurchaseTokens = 10_000_000;

    /// <summary>Starts a purchase: a pending purchase with its checkout reference. Credits nothing.</summary>
    /// <exception cref="LedgerException">Invalid tokens or method, or a key reused with other arguments.</exception>
    public Task<PurchaseResult> CreatePurchaseAsync(string account, long tokens, string method, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        Check.UserAccount(account);
        Check.Amount(tokens, "tokens", Catalog.PurchaseMinTokens, MaxPurchaseTokens);
        if (method is null || !Catalog.Methods.Contains(method))
        {
            throw LedgerException.Invalid("method", "must be one of " + string.Join(", ", Catalog.Methods), Check.Shown(method));
        }

        var key = Check.IdempotencyKey(idempotencyKey);
        return WriteAsync(
            account,
            () => account,
            key,
            Fingerprint.Of("purchase", tokens, method),
            OutcomeJsonContext.Default.PurchaseResult,
            () =>
            {
                var user = EnsureUser(account);
                var id = _ids.NewId("pur");
                var cents = Catalog.PurchasePriceCents(tokens);
                var isCard = method == "card";
                _purchases.Insert(new NewPurchase(
                    id,
                    account,
                    tokens,
                    cents,
                    method,
                    isCard ? CheckoutUrl(id) : null,
                    isCard ? null : method.ToUpperInvariant(),
                    _nowMs));
                var purchase = _purchases.Load(id)!;
                Emit(LedgerEventNames.PurchaseInitiated, account, ("purchase_id", id), ("tokens", tokens), ("amount_eur", purchase.AmountEur), ("method", method));
                return new PurchaseResult(purchase, user.Balance, Replayed: false);
            },
            static r => r with { Replayed = true },
            cancellationToken);
    }

    /// <summary>Returns one of the user's purchases.</summary>
    /// <exception cref="LedgerException">It does not exist or belongs to another user (NotFound).</exception>
    public Task<Purchase> GetPurchaseAsync(string account, string purchaseId, CancellationToken cancellationToken = default)
    {
        Check.UserAccount(account);
        CheckId(purchaseId, "purchase_id");
        return ReadAsync(
            null,
            () => _purchases.Load(purchaseId) is { } p && p.Account == account ? p : throw LedgerException.NotFound("Purchase", "purchase_id", purchaseId),
            cancellationToken);
    }

    /// <summary>Operator only: purchases, oldest first, of one account or all, optionally of one status.</summary>
    /// <remarks>Touches no user: nothing is created and no due work is done.</remarks>
    /// <exception cref="LedgerException">A named account does not exist (NotFound).</exception>
    public Task<IReadOnlyList<Purchase>> ListPurchasesAsync(string? account = null, PurchaseStatus? status = null, int limit = 1000, CancellationToken cancellationToken = default)
    {
        if (account is not null)
        {
            Check.UserAccount(account);
        }

        Check.Amount(limit, "limit", 1, 100_000);
        return ReadAsync<IReadOnlyList<Purchase>>(
            null,
            () =>
            {
                // An empty list would read as "no purchases" for a mistyped id.
                if (account is not null && LoadUser(account) is null)
                {
                    throw LedgerException.NoSuchUser(account);
                }

                return _purchases.List(account, status, limit);
            },
            cancellationToken);
    }

    /// <summary>
    /// Operator (or verified payment callback) only: completes a pending purchase, crediting its own token count
    /// to the purchased part exactly once. Completing a completed purchase returns it with <c>Replayed</c> and credits nothing.
    /// </summary>
    /// <exception cref="LedgerException">No such purchase (NotFound).</exception>
    public Task<PurchaseResult> CompletePurchaseAsync(string purchaseId, CancellationToken cancellationToken = default)
    {
        CheckId(purchaseId, "purchase_id");
        return WriteAsync(
            null,
            () =>
            {
                var purchase = _purchases.Load(purchaseId) ?? throw LedgerException.NotFound("Purchase", "purchase_id", purchaseId);
                var user = EnsureUser(purchase.Account);
                if (purchase.Status == PurchaseStatus.Completed)
                {
                    return new PurchaseResult(purchase, user.Balance, Replayed: true) { Receipt = purchase.TransactionId is { } tx ? ReceiptOf(tx) : null };
                }

                var row = _journal.Append(
                    new TxDraft(
                        TransactionKind.Purchase.ToWireName(),
                        TransactionType.Credit.ToWireName(),
                        purchase.Account,
                        "purchase." + purchase.Method,
                        purchase.Tokens,
                        AccountNames.SystemPayments,
                        [new Posting(AccountNames.SystemPayments, Posting.Main, -purchase.Tokens), new Posting(purchase.Account, Posting.Purchased, purchase.Tokens)])
                    {
                        Ref = purchaseId,
                    },
                    _nowMs,
                    user.MonthKey);
                _purchases.Complete(purchaseId, _nowMs, row.Id);
                Emit(LedgerEventNames.TokenAdded, purchase.Account, ("amount", purchase.Tokens), ("source", "purchase"), ("purchase_id", purchaseId), ("transaction_id", row.Id), ("balance", row.BalanceAfter));
                return new PurchaseResult(_purchases.Load(purchaseId)!, row.BalanceAfter, Replayed: false) { Receipt = Receipt(row) };
            },
            cancellationToken);
    }

    /// <summary>The configured base, then the purchase id as its own path segment.</summary>
    private string CheckoutUrl(string purchaseId)
    {
        var baseUrl = _options.CheckoutBaseUrl.AbsoluteUri;
        return (baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/") + Uri.EscapeDataString(purchaseId);
    }
}
