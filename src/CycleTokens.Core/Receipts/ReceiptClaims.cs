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
/// <param name="Kind">The transaction kind, as the ledger names it (e.g. <c>charge</c>).</param>
/// <param name="Operation">The priced operation, or null for kinds without one (e.g. a grant).</param>
/// <param name="Quantity">The quantity priced, or null when the kind has none.</param>
/// <param name="Amount">The tokens moved.</param>
/// <param name="CreatorShare">The creator's part of <paramref name="Amount"/>.</param>
/// <param name="PlatformShare">The platform's part of <paramref name="Amount"/>.</param>
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
