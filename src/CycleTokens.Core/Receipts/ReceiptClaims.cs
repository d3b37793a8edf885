namespace CycleTokens.Core.Receipts;

/// <summary>
/// The payload of a signed receipt (agent-billing spec §3): the figures of one committed transaction, as JSON with
/// snake_case names. Token amounts are integers; nothing here is ever a floating-point number.
/// </summary>
/// <remarks>
/// A receipt is only as good as its figures: the verifier checks the signature over the exact bytes signed, so any
/// changed field fails. Whether the transaction exists with these figures is a separate check against the ledger.
/// </remarks>
/// <param name="Iss">The issuer: which ledger signed the receipt.</param>
/// <param name="Kid">The id of the key that signed it; equal to the <c>kid</c> of the JWS header.</param>
/// <param name="TransactionId">The ledger transaction the receipt is for.</param>
/// <param name="Account">The account charged or credited.</param>
/// <param name="Kind">The transaction kind as the ledger names it (<c>charge</c>, <c>spend</c>, <c>grant</c>,
/// <c>purchase</c>, <c>refund</c>); for an escrow, its step: <c>escrow_hold</c>, <c>escrow_release</c> or
/// <c>escrow_cancel</c>.</param>
/// <param name="Operation">The operation as the journal stores it: a charge's or spend's operation, a grant's source,
/// <c>purchase.&lt;method&gt;</c>; null for escrows and refunds.</param>
/// <param name="Quantity">The quantity a charge priced; null for every other kind.</param>
/// <param name="Amount">The tokens moved (the transaction's amount as the journal stores it).</param>
/// <param name="CreatorShare">The tokens the transaction posted to creator accounts (negative when a refund takes
/// them back; 0 for most kinds).</param>
/// <param name="PlatformShare">The tokens the transaction posted to the platform account (negative when a refund
/// takes them back).</param>
/// <param name="BalanceAfter">The account's balance after the transaction.</param>
/// <param name="Timestamp">When the transaction was committed, ISO 8601 in UTC.</param>
/// <param name="ChainHash">The transaction's audit-chain hash, lower-case hex.</param>
public sealed record ReceiptClaims(
    string Iss,
    string Kid,
    string TransactionId,
    string Account,
    string Kind,
    string? Operation,
    long? Quantity,
    long Amount,
    long CreatorShare,
    long PlatformShare,
    long BalanceAfter,
    string Timestamp,
    string ChainHash);
